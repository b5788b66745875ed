import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

/** The providers of kube-apiserver's EncryptionConfiguration that Logbook implements (kms is not). */
export type ProviderType = 'aesgcm' | 'aescbc' | 'secretbox' | 'identity';

export interface NamedKey {
  readonly name: string;
  readonly secret: Buffer;
}

export interface ProviderConfig {
  readonly type: ProviderType;
  /** Empty for identity. */
  readonly keys: readonly NamedKey[];
}

/**
 * The providers for secrets, in order: the first wraps new data keys (identity first: Secrets
 * are written in clear), every one may unwrap. Parsed from an `apiserver.config.k8s.io/v1`
 * EncryptionConfiguration; resources other than secrets are not encrypted (their data is not secret).
 */
export interface EncryptionSettings {
  readonly providers: readonly ProviderConfig[];
  /** The file it was read from, re-read by `logbook secrets rotate`. */
  readonly file?: string;
}

export class EncryptionConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EncryptionConfigError';
  }
}

/** Identity only: no encryption (benchmarks of the write path without it, tests). */
export const IDENTITY_ONLY: EncryptionSettings = { providers: [{ type: 'identity', keys: [] }] };

const KEY_LENGTHS: Record<Exclude<ProviderType, 'identity'>, readonly number[]> = { aesgcm: [16, 24, 32], aescbc: [32], secretbox: [32] };

/** Reads and validates an EncryptionConfiguration file; every mistake is an EncryptionConfigError naming its field. */
export function loadEncryptionConfig(file: string): EncryptionSettings {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new EncryptionConfigError(`cannot read the encryption provider config ${file}: ${(err as Error).message}`);
  }
  return { ...parseEncryptionConfig(text, file), file };
}

export function parseEncryptionConfig(text: string, source = 'encryption provider config'): EncryptionSettings {
  let doc: any;
  try {
    doc = parse(text);
  } catch (err) {
    throw new EncryptionConfigError(`${source}: not YAML or JSON: ${(err as Error).message}`);
  }
  const fail = (message: string): never => {
    throw new EncryptionConfigError(`${source}: ${message}`);
  };
  if (!doc || typeof doc !== 'object') fail('expected an EncryptionConfiguration object');
  if (doc.kind !== 'EncryptionConfiguration') fail(`kind: Invalid value: "${doc.kind ?? ''}": must be EncryptionConfiguration`);
  if (doc.apiVersion !== 'apiserver.config.k8s.io/v1') fail(`apiVersion: Invalid value: "${doc.apiVersion ?? ''}": must be apiserver.config.k8s.io/v1`);
  if (!Array.isArray(doc.resources) || doc.resources.length === 0) fail('resources: Required value: at least one resource has to be specified');
  let secrets: ProviderConfig[] | undefined;
  doc.resources.forEach((entry: any, i: number) => {
    const at = `resources[${i}]`;
    if (!Array.isArray(entry?.resources) || entry.resources.length === 0) fail(`${at}.resources: Required value: at least one resource has to be specified`);
    if (!Array.isArray(entry.providers) || entry.providers.length === 0) fail(`${at}.providers: Required value: at least one provider has to be specified`);
    const providers = entry.providers.map((p: unknown, j: number) => parseProvider(p, `${at}.providers[${j}]`, fail));
    // As kube-apiserver: the first entry naming a resource (or a wildcard covering it) wins.
    const names: string[] = entry.resources.map(String);
    if (!secrets && names.some((n) => n === 'secrets' || n === '*.' || n === '*.*')) secrets = providers;
  });
  return { providers: secrets ?? IDENTITY_ONLY.providers };
}

function parseProvider(p: any, at: string, fail: (m: string) => never): ProviderConfig {
  const types = p && typeof p === 'object' ? Object.keys(p) : [];
  if (types.length !== 1) fail(`${at}: Invalid value: exactly one provider (aesgcm, aescbc, secretbox or identity) must be set, got ${types.length === 0 ? 'none' : types.join(', ')}`);
  const type = types[0];
  if (type === 'identity') return { type, keys: [] };
  if (type === 'kms') fail(`${at}.kms: Unsupported value: Logbook has no KMS plugin support: use aesgcm, aescbc or secretbox`);
  if (type !== 'aesgcm' && type !== 'aescbc' && type !== 'secretbox') fail(`${at}: Unsupported value: "${type}": supported values: "aesgcm", "aescbc", "secretbox", "identity"`);
  const keys = p[type]?.keys;
  if (!Array.isArray(keys) || keys.length === 0) fail(`${at}.${type}.keys: Required value: at least one key has to be specified`);
  const seen = new Set<string>();
  const parsed = keys.map((k: any, i: number): NamedKey => {
    const kat = `${at}.${type}.keys[${i}]`;
    if (typeof k?.name !== 'string' || k.name === '') fail(`${kat}.name: Required value: key name is required`);
    if (k.name.includes(':')) fail(`${kat}.name: Invalid value: "${k.name}": should not contain ":"`);
    if (seen.has(k.name)) fail(`${kat}.name: Duplicate value: "${k.name}"`);
    seen.add(k.name);
    if (typeof k.secret !== 'string' || k.secret === '') fail(`${kat}.secret: Required value: secret is required`);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(k.secret)) fail(`${kat}.secret: Invalid value: "REDACTED": secrets must be base64 encoded`);
    const secret = Buffer.from(k.secret, 'base64');
    const lengths = KEY_LENGTHS[type];
    if (!lengths.includes(secret.length)) fail(`${kat}.secret: Invalid value: "REDACTED": secret is not of the expected length, got ${secret.length}, expected one of [${lengths.join(' ')}]`);
    return { name: k.name, secret };
  });
  return { type, keys: parsed };
}

/**
 * The configuration `logbook up` uses without --encryption-provider-config: `<dataDir>/encryption-config.yaml`,
 * made on first start with one random AES-256 key (aesgcm), then identity so that Secrets
 * written before encryption was on still read. It protects copies of the log, its snapshots
 * and Kafka; it does not protect a stolen data directory, which holds this key (docs/security.md).
 */
export function ensureDefaultEncryptionConfig(dataDir: string): string {
  const file = join(dataDir, 'encryption-config.yaml');
  if (!existsSync(file)) {
    const doc = {
      apiVersion: 'apiserver.config.k8s.io/v1',
      kind: 'EncryptionConfiguration',
      resources: [{ resources: ['secrets'], providers: [{ aesgcm: { keys: [{ name: 'key1', secret: randomBytes(32).toString('base64') }] } }, { identity: {} }] }],
    };
    writeFileSync(file, stringify(doc), { mode: 0o600, flag: 'wx' });
  }
  return file;
}
