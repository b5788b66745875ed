import { ApiError, type KubeObject, type Quantity, type Usage, containerRequests, hardOf, inScopes, namespaceUsage, quantity, streamName, usageOf } from '@logbook/kube';
import type { ClusterState } from '@logbook/projections';
import type { AdmissionRequest, ValidatingAdmission } from '../admission';

const { add, compare, format, resourceList, ZERO } = quantity;

/** A create admitted but not yet in the projection: counted until it lands (or `ttlMs` passes). */
interface Reservation {
  readonly stream: string;
  readonly usage: Usage;
  readonly expires: number;
}

/**
 * ResourceQuota admission (docs/security.md), last in the chain: a create that would take a
 * namespace over any of its quotas' `spec.hard` is refused with kube's message. Usage is what the
 * projection holds at admission time plus this server's admitted creates that have not landed
 * yet: validation runs synchronously just before the append, but appends to different streams
 * overlap, so without those reservations two concurrent creates could both fit under the last
 * slot. Like kube, whose admission charges the quota before the create is stored, a create that
 * then fails keeps its charge for a short while (`ttlMs`). Several API servers on one log each
 * see only their own reservations (kube serialises them through the quota's status instead).
 * Updates of Services and claims are charged what they add (node ports, load balancers,
 * storage) and take no reservation.
 */
export class ResourceQuotaAdmission implements ValidatingAdmission {
  readonly name = 'ResourceQuota';
  private readonly reservations = new Map<string, Reservation[]>();

  constructor(
    private readonly ttlMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  validate(request: AdmissionRequest, state: ClusterState): void {
    const object = request.object;
    if (request.subresource || !object || !request.namespace) return;
    // A Service turning into a NodePort or LoadBalancer, a claim asking for more storage: an update charges what it adds.
    const update = request.operation === 'UPDATE' && RECOUNTED_ON_UPDATE.has(object.kind) ? request.oldObject : undefined;
    if (request.operation !== 'CREATE' && !update) return;
    const quotas = state.list('ResourceQuota', { namespace: request.namespace });
    if (!quotas.length) return;
    const stream = streamName(object.kind, request.namespace, request.name);
    // Creating what exists fails with AlreadyExists later; it charges nothing.
    if (!update && state.getByStream(stream)) return;
    const delta = update ? increase(usageOf(object), usageOf(update)) : usageOf(object);
    const pending = this.pending(request.namespace, state);
    let charged = false;
    for (const quota of quotas) {
      if (!inScopes(object, quota.spec?.scopes)) continue;
      const hard = hardOf(quota);
      const quotaName = quota.metadata.name ?? '';
      checkConstraints(quotaName, object, hard);
      const requested = new Map([...delta].filter(([name, q]) => hard.has(name) && q.milli !== 0n));
      if (!requested.size) continue;
      charged = true;
      const used = namespaceUsage((kind, ns) => state.list(kind, { namespace: ns }), request.namespace, quota);
      for (const [name, q] of pending) if (used.has(name)) used.set(name, add(used.get(name)!, q));
      const exceeded = [...requested.keys()].filter((name) => compare(add(used.get(name) ?? ZERO, requested.get(name)!), hard.get(name)!) > 0).sort();
      if (!exceeded.length) continue;
      const pretty = (u: Usage): string => exceeded.map((name) => `${name}=${format(u.get(name) ?? ZERO)}`).join(',');
      throw forbidden(request, `exceeded quota: ${quotaName}, requested: ${pretty(requested)}, used: ${pretty(used)}, limited: ${pretty(hard)}`);
    }
    if (charged && !update && !request.dryRun) this.reserve(request.namespace, { stream, usage: delta, expires: this.now() + this.ttlMs });
  }

  /** What this server admitted in `namespace` that the projection does not show yet. */
  private pending(namespace: string, state: ClusterState): Usage {
    const now = this.now();
    const live = (this.reservations.get(namespace) ?? []).filter((r) => r.expires > now && !state.getByStream(r.stream));
    if (live.length) this.reservations.set(namespace, live);
    else this.reservations.delete(namespace);
    const total: Usage = new Map();
    for (const r of live) for (const [name, q] of r.usage) total.set(name, add(total.get(name) ?? ZERO, q));
    return total;
  }

  private reserve(namespace: string, reservation: Reservation): void {
    this.reservations.set(namespace, [...(this.reservations.get(namespace) ?? []), reservation]);
  }
}

/** Kinds whose updates can use more of a quota (a pod's resources cannot change). */
const RECOUNTED_ON_UPDATE = new Set(['Service', 'PersistentVolumeClaim']);

/** What `after` uses beyond `before`, per resource; resources it uses less of are left out. */
function increase(after: Usage, before: Usage): Usage {
  const out: Usage = new Map();
  for (const [name, q] of after) {
    const more = q.milli - (before.get(name)?.milli ?? 0n);
    if (more > 0n) out.set(name, { milli: more, binary: q.binary });
  }
  return out;
}

function forbidden(request: AdmissionRequest, why: string): ApiError {
  const resource = request.resource.group ? `${request.resource.plural}.${request.resource.group}` : request.resource.plural;
  return new ApiError(403, 'Forbidden', `${resource} "${request.name}" is forbidden: ${why}`, { name: request.name, group: request.resource.group, kind: request.resource.plural });
}

/**
 * A quota on cpu or memory requests or limits makes every container state them (kube keeps this
 * for backward compatibility): `failed quota: q: must specify limits.cpu for: a,b; requests.memory for: a`.
 */
function checkConstraints(quotaName: string, object: KubeObject, hard: Map<string, Quantity>): void {
  if (object.kind !== 'Pod') return;
  const required = ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory', 'cpu', 'memory'].filter((r) => hard.has(r));
  if (!required.length) return;
  const missing = new Map<string, Set<string>>();
  for (const c of [...(object.spec?.containers ?? []), ...(object.spec?.initContainers ?? [])]) {
    const requests = containerRequests(c);
    const limits = resourceList(c.resources?.limits);
    for (const r of required) {
      const [bucket, name] = r.includes('.') ? (r.split('.') as [string, string]) : ['requests', r];
      const has = bucket === 'limits' ? limits.has(name) : requests.has(name);
      if (!has) missing.set(r, (missing.get(r) ?? new Set()).add(c.name));
    }
  }
  if (!missing.size) return;
  const parts = [...missing.keys()].sort().map((r) => `${r} for: ${[...missing.get(r)!].sort().join(',')}`);
  throw new ApiError(403, 'Forbidden', `pods "${object.metadata.name}" is forbidden: failed quota: ${quotaName}: must specify ${parts.join('; ')}`, { name: object.metadata.name, group: '', kind: 'pods' });
}
