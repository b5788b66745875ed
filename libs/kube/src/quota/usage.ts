import type { KubeObject } from '../object';
import { resourceByKind, resourceByPlural } from '../resources';
import { type Quantity, add, resourceList, ZERO } from './quantity';

/**
 * What one object counts against a ResourceQuota (kube's quota evaluators): pods their count and
 * their containers' requests and limits, services their count and node ports / load balancers,
 * claims their count and storage, other kinds `count/<resource>[.<group>]`.
 */
export type Usage = Map<string, Quantity>;

const one = (n = 1): Quantity => ({ milli: BigInt(n) * 1000n, binary: false });

/** The kinds a quota can count by name (besides `count/<resource>` for every kind). */
const NAMED_COUNTS: Record<string, string> = {
  Pod: 'pods',
  Service: 'services',
  ConfigMap: 'configmaps',
  Secret: 'secrets',
  PersistentVolumeClaim: 'persistentvolumeclaims',
  ReplicationController: 'replicationcontrollers',
  ResourceQuota: 'resourcequotas',
};

export function countName(kind: string): string | undefined {
  const info = resourceByKind(kind);
  if (!info) return undefined;
  return info.group ? `count/${info.plural}.${info.group}` : `count/${info.plural}`;
}

/** Succeeded and Failed pods hold no resources: kube stops charging them. */
export const terminal = (pod: KubeObject): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

function sumInto(usage: Usage, name: string, q: Quantity): void {
  usage.set(name, add(usage.get(name) ?? ZERO, q));
}

/**
 * A container's request for a resource; one given only as a limit is the limit, as kube's pod
 * defaulting makes it before anything is stored.
 */
export function containerRequests(c: any): Map<string, Quantity> {
  const requests = resourceList(c?.resources?.requests);
  for (const [name, q] of resourceList(c?.resources?.limits)) if (!requests.has(name)) requests.set(name, q);
  return requests;
}

/** Containers summed, at least the largest init container, per resource (kube's PodRequests/PodLimits). */
function podResources(pod: KubeObject, of: (c: any) => Map<string, Quantity>): Usage {
  const total: Usage = new Map();
  for (const c of pod.spec?.containers ?? []) for (const [name, q] of of(c)) sumInto(total, name, q);
  for (const c of pod.spec?.initContainers ?? []) for (const [name, q] of of(c)) if (q.milli > (total.get(name)?.milli ?? 0n)) total.set(name, q);
  return total;
}

export function usageOf(obj: KubeObject): Usage {
  const usage: Usage = new Map();
  const count = countName(obj.kind);
  if (obj.kind === 'Pod') {
    if (terminal(obj)) return usage;
    usage.set('pods', one());
    if (count) usage.set(count, one());
    for (const [name, q] of podResources(obj, containerRequests)) {
      usage.set(`requests.${name}`, q);
      if (name === 'cpu' || name === 'memory' || name === 'ephemeral-storage') usage.set(name, q);
    }
    for (const [name, q] of podResources(obj, (c) => resourceList(c?.resources?.limits))) usage.set(`limits.${name}`, q);
    return usage;
  }
  const named = NAMED_COUNTS[obj.kind];
  if (named) usage.set(named, one());
  if (count) usage.set(count, one());
  if (obj.kind === 'Service') {
    const type = obj.spec?.type;
    if (type === 'LoadBalancer') usage.set('services.loadbalancers', one());
    if (type === 'NodePort' || type === 'LoadBalancer') usage.set('services.nodeports', one((obj.spec?.ports ?? []).length));
  }
  if (obj.kind === 'PersistentVolumeClaim') {
    const storage = resourceList(obj.spec?.resources?.requests).get('storage');
    if (storage) usage.set('requests.storage', storage);
    const cls = obj.spec?.storageClassName;
    if (cls) {
      usage.set(`${cls}.storageclass.storage.k8s.io/persistentvolumeclaims`, one());
      if (storage) usage.set(`${cls}.storageclass.storage.k8s.io/requests.storage`, storage);
    }
  }
  return usage;
}

/** Pod scopes a quota may name (spec.scopes): it then counts only the pods in every scope. */
export function inScopes(obj: KubeObject, scopes: readonly string[] | undefined): boolean {
  if (!scopes?.length) return true;
  if (obj.kind !== 'Pod') return false;
  const bestEffort = [...(obj.spec?.containers ?? []), ...(obj.spec?.initContainers ?? [])].every(
    (c: any) => Object.keys(c.resources?.requests ?? {}).length === 0 && Object.keys(c.resources?.limits ?? {}).length === 0,
  );
  const terminating = obj.spec?.activeDeadlineSeconds !== undefined && obj.spec?.activeDeadlineSeconds !== null;
  return scopes.every((s) => (s === 'BestEffort' ? bestEffort : s === 'NotBestEffort' ? !bestEffort : s === 'Terminating' ? terminating : s === 'NotTerminating' ? !terminating : true));
}

/** The kinds whose objects can count against one of `resources`. */
export function kindsCounted(resources: Iterable<string>): Set<string> {
  const kinds = new Set<string>();
  for (const r of resources) {
    if (r === 'pods' || r === 'cpu' || r === 'memory' || r === 'ephemeral-storage' || r.startsWith('requests.') || r.startsWith('limits.')) kinds.add('Pod');
    if (r.startsWith('services')) kinds.add('Service');
    if (r.includes('persistentvolumeclaims') || r.endsWith('requests.storage')) kinds.add('PersistentVolumeClaim');
    for (const [kind, name] of Object.entries(NAMED_COUNTS)) if (r === name) kinds.add(kind);
    if (r.startsWith('count/')) {
      // `count/deployments.apps`: the plural, then the group (none for core kinds).
      const [plural, ...group] = r.slice('count/'.length).split('.');
      const info = resourceByPlural(group.join('.'), plural);
      if (info?.namespaced) kinds.add(info.kind);
    }
  }
  return kinds;
}

/** A quota's hard limits (spec.hard). */
export const hardOf = (quota: KubeObject): Usage => resourceList(quota.spec?.hard);

/** Lists one kind's objects in one namespace (a projection, a controller's cache). */
export type NamespaceLister = (kind: string, namespace: string) => readonly KubeObject[];

/** What the objects of `namespace` use of each resource `quota` limits, as `list` shows them now. */
export function namespaceUsage(list: NamespaceLister, namespace: string, quota: KubeObject): Usage {
  const hard = hardOf(quota);
  const used: Usage = new Map([...hard.keys()].map((k) => [k, ZERO]));
  for (const kind of kindsCounted(hard.keys())) {
    for (const obj of list(kind, namespace)) {
      if (!inScopes(obj, quota.spec?.scopes)) continue;
      for (const [name, q] of usageOf(obj)) if (hard.has(name)) sumInto(used, name, q);
    }
  }
  return used;
}
