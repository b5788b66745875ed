import type { StatusCause } from '../api-error';
import type { KubeObject } from '../object';
import { show } from './rule';

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
    case 'ControllerRevision':
      return canonical(current.data) === canonical(next.data) ? [] : [immutable('data', next.data)];
    default:
      return [];
  }
}
