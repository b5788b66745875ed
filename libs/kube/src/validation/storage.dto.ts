import { Type } from 'class-transformer';
import { ValidateNested } from 'class-validator';
import { ACCESS_MODES, KNOWN_VOLUME_SOURCES, SUPPORTED_VOLUME_SOURCES, storageBytes } from '../storage/storage';
import { dnsSubdomain } from './checks';
import { SubdomainMetaDto } from './meta.dto';
import { Issue, Rule, invalid, notSupported, required } from './rule';

/**
 * PersistentVolume, PersistentVolumeClaim and StorageClass validation with kube-apiserver's
 * field paths (pkg/apis/core/validation ValidatePersistentVolume, ValidatePersistentVolumeClaim,
 * pkg/apis/storage/validation ValidateStorageClass). Spec rules return issues re-rooted below
 * `spec` (`.accessModes`, `.resources[storage]`).
 */
const absent = (v: unknown) => v === undefined || v === null;
const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const at = (sub: string, issue: Issue | Issue[] | undefined): Issue[] =>
  (issue === undefined ? [] : Array.isArray(issue) ? issue : [issue]).map((i) => ({ ...i, sub: sub + (i.sub ?? '') }));
const forbidden = (message: string, sub?: string): Issue => ({ reason: 'FieldValueForbidden', message: `Forbidden: ${message}`, sub });
const SORTED_MODES = [...ACCESS_MODES].sort();
const VOLUME_MODES = ['Block', 'Filesystem'];

function accessModeIssues(modes: unknown, requiredMessage?: string): Issue[] {
  if (absent(modes) || (Array.isArray(modes) && modes.length === 0)) {
    return [requiredMessage ? { reason: 'FieldValueRequired', message: `Required value: ${requiredMessage}`, sub: '.accessModes' } : required('.accessModes')];
  }
  if (!Array.isArray(modes)) return [invalid(modes, 'must be a list', '.accessModes')];
  const out: Issue[] = [];
  for (const m of modes) if (!(ACCESS_MODES as readonly string[]).includes(m)) out.push(notSupported(m, SORTED_MODES, '.accessModes'));
  if (modes.includes('ReadWriteOncePod') && modes.length > 1) out.push(forbidden('may not use ReadWriteOncePod with other access modes', '.accessModes'));
  return out;
}

/** A storage quantity that parses and is > 0, at `sub`. */
function positiveStorage(q: unknown, sub: string): Issue[] {
  const bytes = storageBytes(q);
  if (bytes === undefined) return [invalid(q, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'", sub)];
  return bytes > 0 ? [] : [invalid(q, 'must be greater than zero', sub)];
}

const optionalClass = (v: unknown): Issue[] => (absent(v) || v === '' ? [] : at('.storageClassName', dnsSubdomain(v, undefined)));
const optionalVolumeMode = (v: unknown): Issue[] => (absent(v) || VOLUME_MODES.includes(v as string) ? [] : [notSupported(v, VOLUME_MODES, '.volumeMode')]);

function nodeSelectorIssues(affinity: any): Issue[] {
  if (!isMap(affinity)) return [invalid(affinity, 'must be an object', '.nodeAffinity')];
  const terms = (affinity as any).required?.nodeSelectorTerms;
  if (!Array.isArray(terms) || terms.length === 0) {
    return [{ reason: 'FieldValueRequired', message: 'Required value: must have at least one node selector term', sub: '.nodeAffinity.required.nodeSelectorTerms' }];
  }
  const out: Issue[] = [];
  terms.forEach((t: any, i: number) =>
    (t?.matchExpressions ?? []).forEach((e: any, j: number) => {
      const sub = `.nodeAffinity.required.nodeSelectorTerms[${i}].matchExpressions[${j}]`;
      if (!['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'].includes(e?.operator)) out.push(notSupported(e?.operator, ['DoesNotExist', 'Exists', 'Gt', 'In', 'Lt', 'NotIn'], `${sub}.operator`));
      if ((e?.operator === 'In' || e?.operator === 'NotIn') && !(Array.isArray(e.values) && e.values.length > 0)) {
        out.push({ reason: 'FieldValueRequired', message: 'Required value: must be specified when `operator` is \'In\' or \'NotIn\'', sub: `${sub}.values` });
      }
    }),
  );
  return out;
}

/** kube's ValidatePersistentVolumeSpec, narrowed to the sources Logbook serves (hostPath, local). */
export function persistentVolumeSpecIssues(raw: unknown): Issue[] {
  if (!isMap(raw)) return [];
  const spec = raw as any;
  const out: Issue[] = [...accessModeIssues(spec.accessModes)];
  const capacity = spec.capacity;
  if (!isMap(capacity) || Object.keys(capacity).length === 0) out.push(required('.capacity'));
  else {
    if (!('storage' in capacity) || Object.keys(capacity).length > 1) out.push(notSupported(capacity, ['storage'], '.capacity'));
    if ('storage' in capacity) out.push(...positiveStorage(capacity.storage, '.capacity[storage]'));
  }
  const policy = spec.persistentVolumeReclaimPolicy;
  if (!absent(policy) && !['Delete', 'Recycle', 'Retain'].includes(policy)) out.push(notSupported(policy, ['Delete', 'Recycle', 'Retain'], '.persistentVolumeReclaimPolicy'));
  out.push(...optionalClass(spec.storageClassName), ...optionalVolumeMode(spec.volumeMode));

  const sources = KNOWN_VOLUME_SOURCES.filter((s) => !absent(spec[s]));
  if (sources.length === 0) out.push({ reason: 'FieldValueRequired', message: 'Required value: must specify a volume type' });
  else if (sources.length > 1) out.push(forbidden('may not specify more than 1 volume type'));
  else if (!(SUPPORTED_VOLUME_SOURCES as readonly string[]).includes(sources[0])) {
    out.push(forbidden(`${sources[0]} volumes are not supported by Logbook (supported volume types: ${SUPPORTED_VOLUME_SOURCES.join(', ')})`, `.${sources[0]}`));
  } else {
    const source = spec[sources[0]];
    const path = source?.path;
    if (absent(path) || path === '') out.push(required(`.${sources[0]}.path`));
    else if (typeof path !== 'string' || !path.startsWith('/')) out.push(invalid(path, 'must be an absolute path', `.${sources[0]}.path`));
    else if (path.split('/').includes('..')) out.push(invalid(path, "must not contain '..'", `.${sources[0]}.path`));
    if (sources[0] === 'local' && absent(spec.nodeAffinity)) {
      out.push({ reason: 'FieldValueRequired', message: 'Required value: Local volume requires node affinity', sub: '.nodeAffinity' });
    }
  }
  if (!absent(spec.nodeAffinity)) out.push(...nodeSelectorIssues(spec.nodeAffinity));
  return out;
}

/** kube's ValidatePersistentVolumeClaimSpec. */
export function persistentVolumeClaimSpecIssues(raw: unknown): Issue[] {
  if (!isMap(raw)) return [];
  const spec = raw as any;
  const out: Issue[] = [...accessModeIssues(spec.accessModes, 'at least 1 access mode is required')];
  const requests = (spec as any).resources?.requests;
  if (!isMap(requests) || absent(requests.storage)) out.push(required('.resources[storage]'));
  else out.push(...positiveStorage(requests.storage, '.resources[storage]'));
  out.push(...optionalClass(spec.storageClassName), ...optionalVolumeMode(spec.volumeMode));
  if (!absent(spec.volumeName) && spec.volumeName !== '') out.push(...at('.volumeName', dnsSubdomain(spec.volumeName, undefined)));
  return out;
}

const provisionerIssues = (v: unknown): Issue[] => {
  if (absent(v) || v === '') return [required()];
  if (typeof v !== 'string') return [invalid(v, 'must be a string')];
  return v.length > 63 ? [{ reason: 'FieldValueTooLong', message: 'Too long: must have at most 63 bytes' }] : [];
};

export class PersistentVolumeDto {
  @ValidateNested() @Type(() => SubdomainMetaDto) metadata?: SubdomainMetaDto;
  @Rule(persistentVolumeSpecIssues) spec?: unknown;
}

export class PersistentVolumeClaimDto {
  @ValidateNested() @Type(() => SubdomainMetaDto) metadata?: SubdomainMetaDto;
  @Rule(persistentVolumeClaimSpecIssues) spec?: unknown;
}

export class StorageClassDto {
  @ValidateNested() @Type(() => SubdomainMetaDto) metadata?: SubdomainMetaDto;
  @Rule(provisionerIssues) provisioner?: string;
  @Rule((v) => (absent(v) || ['Delete', 'Retain'].includes(v) ? undefined : notSupported(v, ['Delete', 'Retain']))) reclaimPolicy?: string;
  @Rule((v) => (absent(v) || ['Immediate', 'WaitForFirstConsumer'].includes(v) ? undefined : notSupported(v, ['Immediate', 'WaitForFirstConsumer']))) volumeBindingMode?: string;
  @Rule((v) => (absent(v) || isMap(v) ? undefined : invalid(v, 'must be a map of strings'))) parameters?: Record<string, string>;
}
