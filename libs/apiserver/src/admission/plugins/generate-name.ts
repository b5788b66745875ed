import { randomInt } from 'node:crypto';
import type { KubeObject } from '@logbook/kube';
import type { MutatingAdmission } from '../admission';

/** kube's name generator alphabet: no vowels (no words) and no 0/1/3 (no look-alikes). */
const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';
const RANDOM_LENGTH = 5;
/** A generated name stays a valid 63-character name: the prefix is cut to make room. */
const MAX_PREFIX = 63 - RANDOM_LENGTH;

/** `metadata.generateName` plus five random characters, as kube's SimpleNameGenerator. */
export function generateName(prefix: string, random: (n: number) => number = randomInt): string {
  return prefix.slice(0, MAX_PREFIX) + Array.from({ length: RANDOM_LENGTH }, () => NAME_CHARS[random(NAME_CHARS.length)]).join('');
}

/** A CREATE without a name but with `generateName` gets a generated name (kube does it in BeforeCreate, after mutating admission). */
export const GENERATE_NAME: MutatingAdmission = {
  name: 'GenerateName',
  admit({ operation, object }): KubeObject | undefined {
    if (operation !== 'CREATE' || !object || object.metadata.name || !object.metadata.generateName) return undefined;
    return { ...object, metadata: { ...object.metadata, name: generateName(object.metadata.generateName) } };
  },
};
