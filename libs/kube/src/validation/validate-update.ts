import type { StatusCause } from '../api-error';
import type { KubeObject } from '../object';
import { show } from './rule';
import { KNOWN_VOLUME_SOURCES, storageBytes } from '../storage/storage';

/** Canonical JSON (sorted keys), so key order never counts as a change. */
const canonical = (v: unknown): string =>
  JSON.stringify(v ?? null, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, x[k]])) : x));

const immutable = (field: string, value: unknown): StatusCause => ({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${show(value)}: field is immutable` });

/** The StatefulSet spec fields an update may change (kube's ValidateStatefulSetUpdate). */
const STATEFULSET_MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

/**
 * What kube-apiserver refuses on update beyond the object's own validity: fields fixed at
 * creation. Checked after defaulting, on the whole new object; empty when the update may go.
 */
export function validateUpdate(current: KubeObject, next: KubeObject): StatusCause[] {
  switch (next.kind) {
    case 'DaemonSet':
      return canonical(current.spec?.selector) === canonical(next.spec?.selector) ? [] : [immutable('spec.selector', next.spec?.selector)];
    case 'StatefulSet': {
      const frozen = (o: KubeObject) => Object.fromEntries(Object.entries(o.spec ?? {}).filter(([k]) => !STATEFULSET_MUTABLE.includes(k)));
      if (canonical(frozen(current)) === canonical(frozen(next))) return [];
      return [
        {
          reason: 'FieldValueForbidden',
          field: 'spec',
          message:
            "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
        },
      ];
    }
    case 'PersistentVolumeClaim':
      return claimUpdateCauses(current, next);
    case 'PersistentVolume':
      return volumeUpdateCauses(current, next);
    case 'StorageClass':
      return storageClassUpdateCauses(current, next);
    case 'Node': {
      const before: string[] = current.spec?.podCIDRs ?? (current.spec?.podCIDR ? [current.spec.podCIDR] : []);
      const after: string[] = next.spec?.podCIDRs ?? [];
      if (before.length === 0 || canonical(before) === canonical(after)) return [];
      return [{ reason: 'FieldValueForbidden', field: 'spec.podCIDRs', message: 'Forbidden: node updates may not change podCIDR except from "" to valid' }];
    }
    case 'ControllerRevision':
      return canonical(current.data) === canonical(next.data) ? [] : [immutable('data', next.data)];
    default:
      return [];
  }
}

const forbidden = (field: string, message: string): StatusCause => ({ reason: 'FieldValueForbidden', field, message: `Forbidden: ${message}` });

/**
 * kube's ValidatePersistentVolumeClaimUpdate: the spec is fixed once created, except that the
 * binder may fill an empty volumeName, a nil storageClassName may get the default class, and a
 * bound claim's storage request may grow (never shrink).
 */
function claimUpdateCauses(current: KubeObject, next: KubeObject): StatusCause[] {
  const frozen = (spec: any, fill: boolean) => {
    const s = structuredClone(spec ?? {});
    if (s.resources) s.resources = { ...s.resources, requests: undefined };
    if (fill && !current.spec?.volumeName) delete s.volumeName;
    if (fill && (current.spec?.storageClassName === undefined || current.spec?.storageClassName === null)) delete s.storageClassName;
    return s;
  };
  const out: StatusCause[] = [];
  const was = canonical(current.spec?.resources?.requests);
  const now = canonical(next.spec?.resources?.requests);
  if (canonical(frozen(current.spec, true)) !== canonical(frozen(next.spec, true)) || (was !== now && current.status?.phase !== 'Bound')) {
    out.push(forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'));
  } else if (was !== now) {
    const before = storageBytes(current.spec?.resources?.requests?.storage) ?? 0;
    const after = storageBytes(next.spec?.resources?.requests?.storage) ?? 0;
    if (after < before) out.push(forbidden('spec.resources.requests.storage', 'field can not be less than previous value'));
  }
  return out;
}

/** kube's ValidatePersistentVolumeUpdate: the volume source, volumeMode and a set nodeAffinity stay. */
function volumeUpdateCauses(current: KubeObject, next: KubeObject): StatusCause[] {
  const out: StatusCause[] = [];
  const source = (o: KubeObject) => Object.fromEntries(KNOWN_VOLUME_SOURCES.filter((k) => o.spec?.[k] !== undefined).map((k) => [k, o.spec[k]]));
  if (canonical(source(current)) !== canonical(source(next))) out.push(forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation'));
  if ((current.spec?.volumeMode ?? 'Filesystem') !== (next.spec?.volumeMode ?? 'Filesystem')) out.push(immutable('spec.volumeMode', next.spec?.volumeMode));
  if (current.spec?.nodeAffinity && canonical(current.spec.nodeAffinity) !== canonical(next.spec?.nodeAffinity)) out.push(immutable('spec.nodeAffinity', next.spec?.nodeAffinity));
  return out;
}

/** kube's ValidateStorageClassUpdate. */
function storageClassUpdateCauses(current: KubeObject, next: KubeObject): StatusCause[] {
  const out: StatusCause[] = [];
  if (canonical(current.parameters ?? {}) !== canonical(next.parameters ?? {})) out.push(forbidden('parameters', 'updates to parameters are forbidden.'));
  if (current.provisioner !== next.provisioner) out.push(forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if ((current.reclaimPolicy ?? 'Delete') !== (next.reclaimPolicy ?? 'Delete')) out.push(forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  if ((current.volumeBindingMode ?? 'Immediate') !== (next.volumeBindingMode ?? 'Immediate')) out.push(immutable('volumeBindingMode', next.volumeBindingMode));
  return out;
}
