import { ApiError, type KubeObject, type Quantity, quantity } from '@logbook/kube';
import type { ClusterState } from '@logbook/projections';
import type { AdmissionRequest, MutatingAdmission, ValidatingAdmission } from '../admission';

const { add, compare, format, resourceList, ZERO } = quantity;

export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

/**
 * LimitRanger admission (docs/security.md): each LimitRange of the pod's namespace fills in the
 * default limits and requests of containers that lack them (mutating), then its min, max and
 * maxLimitRequestRatio are checked per Container, per Pod and per PersistentVolumeClaim
 * (validating), with kube's messages. Pod updates are not checked: containers' resources are
 * immutable once created, so only creates can break a range.
 */
export class LimitRanger implements MutatingAdmission, ValidatingAdmission {
  readonly name = 'LimitRanger';

  admit(request: AdmissionRequest, state: ClusterState): KubeObject | undefined {
    const pod = request.object;
    if (request.operation !== 'CREATE' || request.subresource || pod?.kind !== 'Pod' || !request.namespace) return undefined;
    const ranges = state.list('LimitRange', { namespace: request.namespace });
    if (!ranges.some((r) => items(r).some((i) => i.type === 'Container'))) return undefined;
    const copy = structuredClone(pod);
    const notes: string[] = [];
    for (const range of ranges) {
      const defaults = containerDefaults(range);
      for (const [list, prefix] of [
        [copy.spec?.containers, 'container'],
        [copy.spec?.initContainers, 'init container'],
      ] as const) {
        for (const c of list ?? []) notes.push(...mergeDefaults(c, defaults, prefix));
      }
    }
    if (!notes.length) return copy;
    copy.metadata.annotations = { ...(copy.metadata.annotations ?? {}), [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${notes.join('; ')}` };
    return copy;
  }

  validate(request: AdmissionRequest, state: ClusterState): void {
    const object = request.object;
    if (!object || request.subresource || !request.namespace) return;
    const isPod = object.kind === 'Pod' && request.operation === 'CREATE';
    const isClaim = object.kind === 'PersistentVolumeClaim' && (request.operation === 'CREATE' || request.operation === 'UPDATE');
    if (!isPod && !isClaim) return;
    for (const range of state.list('LimitRange', { namespace: request.namespace })) {
      const errors = isPod ? podViolations(range, object) : claimViolations(range, object);
      if (!errors.length) continue;
      const message = errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`;
      throw new ApiError(403, 'Forbidden', `${request.resource.plural} "${request.name}" is forbidden: ${message}`, { name: request.name, group: '', kind: request.resource.plural });
    }
  }
}

interface LimitItem {
  type?: string;
  max?: Record<string, unknown>;
  min?: Record<string, unknown>;
  default?: Record<string, unknown>;
  defaultRequest?: Record<string, unknown>;
  maxLimitRequestRatio?: Record<string, unknown>;
}

const items = (range: KubeObject): LimitItem[] => (Array.isArray(range.spec?.limits) ? range.spec.limits : []);

/** The Container item's default limits and requests (the LimitRange's own defaulting filled them from max and min). */
function containerDefaults(range: KubeObject): { limits: Record<string, unknown>; requests: Record<string, unknown> } {
  const limits: Record<string, unknown> = {};
  const requests: Record<string, unknown> = {};
  for (const item of items(range)) {
    if (item.type !== 'Container') continue;
    Object.assign(limits, item.default ?? {});
    Object.assign(requests, item.defaultRequest ?? {});
  }
  return { limits, requests };
}

/**
 * Fills what the container lacks and says what it set (`cpu, memory request for container c`).
 * Requests missing beside a limit take the limit first — kube's pod defaulting does that before
 * admission — so a range's defaultRequest never undercuts a limit the user gave.
 */
function mergeDefaults(c: any, defaults: { limits: Record<string, unknown>; requests: Record<string, unknown> }, prefix: string): string[] {
  c.resources = c.resources ?? {};
  const limits = (c.resources.limits = { ...(c.resources.limits ?? {}) });
  const requests = (c.resources.requests = { ...(c.resources.requests ?? {}) });
  for (const [name, value] of Object.entries(limits)) if (!(name in requests)) requests[name] = value;
  const setLimits = Object.keys(defaults.limits).filter((k) => !(k in limits));
  setLimits.forEach((k) => (limits[k] = defaults.limits[k]));
  const setRequests = Object.keys(defaults.requests).filter((k) => !(k in requests));
  setRequests.forEach((k) => (requests[k] = defaults.requests[k]));
  if (!Object.keys(limits).length) delete c.resources.limits;
  if (!Object.keys(requests).length) delete c.resources.requests;
  const notes: string[] = [];
  if (setRequests.length) notes.push(`${setRequests.sort().join(', ')} request for ${prefix} ${c.name}`);
  if (setLimits.length) notes.push(`${setLimits.sort().join(', ')} limit for ${prefix} ${c.name}`);
  return notes;
}

function podViolations(range: KubeObject, pod: KubeObject): string[] {
  const errors: string[] = [];
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  for (const item of items(range)) {
    if (item.type === 'Container') {
      for (const c of containers) errors.push(...itemViolations(item, 'Container', resourceList(c.resources?.requests), resourceList(c.resources?.limits)));
    } else if (item.type === 'Pod') {
      errors.push(...itemViolations(item, 'Pod', podTotal(pod, 'requests'), podTotal(pod, 'limits')));
    }
  }
  return errors;
}

function claimViolations(range: KubeObject, claim: KubeObject): string[] {
  const errors: string[] = [];
  const requests = resourceList(claim.spec?.resources?.requests);
  for (const item of items(range)) {
    if (item.type !== 'PersistentVolumeClaim') continue;
    for (const [name, min] of resourceList(item.min)) errors.push(...minViolation('PersistentVolumeClaim', name, min, requests, new Map()));
    for (const [name, max] of resourceList(item.max)) {
      const req = requests.get(name);
      if (!req) errors.push(`maximum ${name} usage per PersistentVolumeClaim is ${format(max)}.  No request is specified`);
      else if (compare(req, max) > 0) errors.push(`maximum ${name} usage per PersistentVolumeClaim is ${format(max)}, but request is ${format(req)}`);
    }
  }
  return errors;
}

function itemViolations(item: LimitItem, type: string, requests: Map<string, Quantity>, limits: Map<string, Quantity>): string[] {
  const errors: string[] = [];
  for (const [name, min] of resourceList(item.min)) errors.push(...minViolation(type, name, min, requests, limits));
  for (const [name, max] of resourceList(item.max)) {
    const lim = limits.get(name);
    const req = requests.get(name);
    if (!lim) errors.push(`maximum ${name} usage per ${type} is ${format(max)}.  No limit is specified`);
    else if (compare(lim, max) > 0) errors.push(`maximum ${name} usage per ${type} is ${format(max)}, but limit is ${format(lim)}`);
    else if (req && compare(req, max) > 0) errors.push(`maximum ${name} usage per ${type} is ${format(max)}, but request is ${format(req)}`);
  }
  for (const [name, ratio] of resourceList(item.maxLimitRequestRatio)) {
    const req = requests.get(name);
    const lim = limits.get(name);
    if (!req || req.milli === 0n) errors.push(`${name} max limit to request ratio per ${type} is ${format(ratio)}, but no request is specified or request is 0`);
    else if (!lim || lim.milli === 0n) errors.push(`${name} max limit to request ratio per ${type} is ${format(ratio)}, but no limit is specified or limit is 0`);
    else {
      const observed = Number(lim.milli) / Number(req.milli);
      if (observed * 1000 > Number(ratio.milli)) errors.push(`${name} max limit to request ratio per ${type} is ${format(ratio)}, but provided ratio is ${observed.toFixed(6)}`);
    }
  }
  return errors;
}

function minViolation(type: string, name: string, min: Quantity, requests: Map<string, Quantity>, limits: Map<string, Quantity>): string[] {
  const req = requests.get(name);
  const lim = limits.get(name);
  if (!req) return [`minimum ${name} usage per ${type} is ${format(min)}.  No request is specified`];
  if (compare(req, min) < 0) return [`minimum ${name} usage per ${type} is ${format(min)}, but request is ${format(req)}`];
  if (lim && compare(lim, min) < 0) return [`minimum ${name} usage per ${type} is ${format(min)}, but limit is ${format(lim)}`];
  return [];
}

/** A pod's requests or limits: its containers summed, at least its largest init container (they run one at a time). */
export function podTotal(pod: KubeObject, bucket: 'requests' | 'limits'): Map<string, Quantity> {
  const total = new Map<string, Quantity>();
  for (const c of pod.spec?.containers ?? []) for (const [name, q] of resourceList(c.resources?.[bucket])) total.set(name, add(total.get(name) ?? ZERO, q));
  for (const c of pod.spec?.initContainers ?? []) {
    for (const [name, q] of resourceList(c.resources?.[bucket])) {
      const current = total.get(name);
      if (!current || compare(q, current) > 0) total.set(name, q);
    }
  }
  return total;
}
