import type { KubeObject } from '@logbook/kube';
import { EnvError, fieldValue } from '../env';
import { validateItemPath } from './paths';
import { type NodeAllocatable, resourceFieldValue } from './resource-field';

/** One file of a configMap/secret/downwardAPI/projected volume. */
export interface FileProjection {
  readonly data: Buffer;
  readonly mode: number;
}

/** Files by path relative to the volume (validated, normalised). */
export type Payload = ReadonlyMap<string, FileProjection>;

/** Kubernetes' default file mode for API-data volumes (ConfigMapVolumeSourceDefaultMode and friends). */
export const DEFAULT_MODE = 0o644;

export interface KeyToPath {
  readonly key: string;
  readonly path: string;
  readonly mode?: number;
}

/** The keys of a ConfigMap (data and binaryData) or Secret (data, base64), as bytes. */
export function objectData(obj: KubeObject, secret: boolean): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  if (secret) {
    for (const [k, v] of Object.entries(obj.data ?? {})) out.set(k, Buffer.from(String(v), 'base64'));
    // stringData is folded into data by the API server; a hand-made object may still carry it.
    for (const [k, v] of Object.entries(obj.stringData ?? {})) out.set(k, Buffer.from(String(v), 'utf8'));
  } else {
    for (const [k, v] of Object.entries(obj.data ?? {})) out.set(k, Buffer.from(String(v), 'utf8'));
    for (const [k, v] of Object.entries(obj.binaryData ?? {})) out.set(k, Buffer.from(String(v), 'base64'));
  }
  return out;
}

/**
 * The files of a configMap or secret volume source: every key (as its own file name), or only
 * the listed items. A missing object is an empty volume when the source is optional; a listed
 * key the object lacks is skipped when optional and an error otherwise, in kubelet's words.
 */
export function keyedPayload(
  what: 'configmap' | 'secret',
  source: { readonly name?: string; readonly secretName?: string; readonly items?: readonly KeyToPath[]; readonly optional?: boolean },
  obj: KubeObject | undefined,
  defaultMode: number,
): Map<string, FileProjection> {
  const name = source.name ?? source.secretName ?? '';
  const out = new Map<string, FileProjection>();
  if (!obj) {
    if (source.optional) return out;
    throw new Error(`${what} "${name}" not found`);
  }
  const data = objectData(obj, what === 'secret');
  if (!source.items?.length) {
    for (const [key, bytes] of data) out.set(validateItemPath(key), { data: bytes, mode: defaultMode });
    return out;
  }
  for (const item of source.items) {
    const bytes = data.get(item.key);
    if (!bytes) {
      if (source.optional) continue;
      throw new Error(what === 'configmap' ? `configmap references non-existent config key: ${item.key}` : `references non-existent secret key: ${item.key}`);
    }
    out.set(validateItemPath(item.path), { data: bytes, mode: item.mode ?? defaultMode });
  }
  return out;
}

export interface DownwardAPIItem {
  readonly path: string;
  readonly fieldRef?: { readonly fieldPath: string };
  readonly resourceFieldRef?: { readonly containerName?: string; readonly resource: string; readonly divisor?: string | number };
  readonly mode?: number;
}

/** Metadata fields a downward API volume may project (the API allows no status or spec fields here). */
const VOLUME_FIELDS = /^metadata\.(name|namespace|uid|labels|annotations)$|^metadata\.(labels|annotations)\['.+'\]$/;

/** The files of a downward API volume (or projected source), rendered from the pod as it is now. */
export function downwardAPIPayload(pod: KubeObject, items: readonly DownwardAPIItem[], defaultMode: number, allocatable: NodeAllocatable): Map<string, FileProjection> {
  const out = new Map<string, FileProjection>();
  for (const item of items) {
    const path = validateItemPath(item.path);
    let value: string;
    if (item.fieldRef) {
      if (!VOLUME_FIELDS.test(item.fieldRef.fieldPath)) throw new Error(`unsupported fieldPath ${item.fieldRef.fieldPath} for a downward API volume`);
      try {
        value = fieldValue(pod, item.fieldRef.fieldPath, { podIP: '', hostIP: '' });
      } catch (err) {
        throw err instanceof EnvError ? new Error(err.message) : err;
      }
    } else if (item.resourceFieldRef) value = resourceFieldValue(pod, item.resourceFieldRef, allocatable);
    else throw new Error(`downward API item "${item.path}" has neither fieldRef nor resourceFieldRef`);
    out.set(path, { data: Buffer.from(value, 'utf8'), mode: item.mode ?? defaultMode });
  }
  return out;
}

/**
 * With a pod fsGroup, files of read-only API-data volumes become group-readable as the kubelet
 * makes them (its volume ownership pass ORs 0440 into each file's mode): a secret with
 * `defaultMode: 0400` is `0440` then, so that a non-root container in the group can read it.
 */
export function withFsGroup(payload: Payload, fsGroup: number | undefined): Map<string, FileProjection> {
  if (fsGroup === undefined) return new Map(payload);
  return new Map([...payload].map(([path, f]) => [path, { data: f.data, mode: f.mode | 0o440 }]));
}
