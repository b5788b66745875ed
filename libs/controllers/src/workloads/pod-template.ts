import { type KubeObject, applyDefaults } from '@logbook/kube';
import { canonical } from './replicaset-status';

export const POD_TEMPLATE_HASH = 'pod-template-hash';

/** kube's rand.SafeEncodeString alphabet: no vowels, no 0/1/3, so no words and no look-alikes. */
const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

function fnv32a(s: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(s, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * A template's comparable form: defaults applied (through a wrapper Pod), the hash label gone,
 * `creationTimestamp: null`, `resources: {}` and other empty maps/lists dropped — a template
 * coming back through `kubectl rollout undo` carries those and must still match its RS.
 */
export function normaliseTemplate(template: any): any {
  const t = structuredClone(template ?? {});
  const pod = applyDefaults({ apiVersion: 'v1', kind: 'Pod', metadata: {}, spec: t.spec ?? {} });
  const out: any = { metadata: { ...(t.metadata ?? {}) }, spec: pod.spec };
  if (out.metadata.labels) {
    out.metadata.labels = { ...out.metadata.labels };
    delete out.metadata.labels[POD_TEMPLATE_HASH];
  }
  return prune(out) ?? {};
}

function prune(v: any): any {
  if (v === null || v === undefined) return undefined;
  if (Array.isArray(v)) {
    const items = v.map(prune).filter((x) => x !== undefined);
    return items.length ? items : undefined;
  }
  if (typeof v === 'object') {
    const entries = Object.entries(v)
      .map(([k, x]) => [k, prune(x)] as const)
      .filter(([, x]) => x !== undefined);
    return entries.length ? Object.fromEntries(entries) : undefined;
  }
  return v;
}

/** kube's EqualIgnoreHash, over normalised templates. */
export function templatesEqualIgnoringHash(a: any, b: any): boolean {
  return canonical(normaliseTemplate(a)) === canonical(normaliseTemplate(b));
}

/** kube's ComputeHash: FNV-32a of the template (plus collisionCount), decimal, safe-encoded. */
export function podTemplateHash(template: any, collisionCount?: number): string {
  let input = canonical(normaliseTemplate(template));
  if (collisionCount !== undefined && collisionCount !== null) input += `#${collisionCount}`;
  return safeHash(input);
}

/** FNV-32a of `input` in decimal, each digit safe-encoded (rand.SafeEncodeString), as kube's hashes. */
export function safeHash(input: string): string {
  const digits = String(fnv32a(input));
  let out = '';
  for (const ch of digits) out += SAFE[ch.charCodeAt(0) % SAFE.length];
  return out;
}

export function templateOf(obj: KubeObject): any {
  return obj.spec?.template ?? {};
}
