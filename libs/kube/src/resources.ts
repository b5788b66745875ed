/**
 * The kinds Logbook serves and how they appear in the REST API and in discovery.
 * One table drives discovery, URL routing, stream names and Kafka topic names.
 */
export interface ResourceInfo {
  group: string; // '' for core
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  /** Subresources served: 'status', 'scale', 'binding', 'log', 'eviction', 'exec', 'attach', 'portforward'. */
  subresources: string[];
  /** Whether the kind has a spec whose change bumps metadata.generation. */
  hasSpec: boolean;
  categories: string[];
  /**
   * Versions served besides `version` (the stored one); each is converted to and from the stored
   * form on the way in and out by a converter in ./conversion.
   */
  alsoServed?: readonly string[];
}

const core = (r: Omit<ResourceInfo, 'group' | 'version'>): ResourceInfo => ({ group: '', version: 'v1', ...r });
const apps = (r: Omit<ResourceInfo, 'group' | 'version'>): ResourceInfo => ({ group: 'apps', version: 'v1', ...r });
const autoscaling = (r: Omit<ResourceInfo, 'group' | 'version'>): ResourceInfo => ({ group: 'autoscaling', version: 'v2', ...r });
const batch = (r: Omit<ResourceInfo, 'group' | 'version'>): ResourceInfo => ({ group: 'batch', version: 'v1', ...r });
const discoveryGroup = (r: Omit<ResourceInfo, 'group' | 'version'>): ResourceInfo => ({ group: 'discovery.k8s.io', version: 'v1', ...r });
const networking = (r: Omit<ResourceInfo, 'group' | 'version'>): ResourceInfo => ({ group: 'networking.k8s.io', version: 'v1', ...r });
const storage = (r: Omit<ResourceInfo, 'group' | 'version'>): ResourceInfo => ({ group: 'storage.k8s.io', version: 'v1', ...r });
const policy = (r: Omit<ResourceInfo, 'group' | 'version'>): ResourceInfo => ({ group: 'policy', version: 'v1', ...r });
const rbac = (r: Omit<ResourceInfo, 'group' | 'version'>): ResourceInfo => ({ group: 'rbac.authorization.k8s.io', version: 'v1', ...r });
const certificates = (r: Omit<ResourceInfo, 'group' | 'version'>): ResourceInfo => ({ group: 'certificates.k8s.io', version: 'v1', ...r });
const coordination = (r: Omit<ResourceInfo, 'group' | 'version'>): ResourceInfo => ({ group: 'coordination.k8s.io', version: 'v1', ...r });

export const RESOURCES: readonly ResourceInfo[] = [
  core({ kind: 'Namespace', plural: 'namespaces', singular: 'namespace', namespaced: false, shortNames: ['ns'], subresources: ['status'], hasSpec: true, categories: [] }),
  core({ kind: 'Node', plural: 'nodes', singular: 'node', namespaced: false, shortNames: ['no'], subresources: ['status'], hasSpec: true, categories: [] }),
  core({ kind: 'Pod', plural: 'pods', singular: 'pod', namespaced: true, shortNames: ['po'], subresources: ['status', 'binding', 'log', 'eviction', 'exec', 'attach', 'portforward'], hasSpec: true, categories: ['all'] }),
  core({ kind: 'Service', plural: 'services', singular: 'service', namespaced: true, shortNames: ['svc'], subresources: ['status'], hasSpec: true, categories: ['all'] }),
  core({ kind: 'Endpoints', plural: 'endpoints', singular: 'endpoints', namespaced: true, shortNames: ['ep'], subresources: [], hasSpec: false, categories: [] }),
  discoveryGroup({ kind: 'EndpointSlice', plural: 'endpointslices', singular: 'endpointslice', namespaced: true, shortNames: [], subresources: [], hasSpec: false, categories: [] }),
  core({ kind: 'ConfigMap', plural: 'configmaps', singular: 'configmap', namespaced: true, shortNames: ['cm'], subresources: [], hasSpec: false, categories: [] }),
  core({ kind: 'Secret', plural: 'secrets', singular: 'secret', namespaced: true, shortNames: [], subresources: [], hasSpec: false, categories: [] }),
  core({ kind: 'PersistentVolume', plural: 'persistentvolumes', singular: 'persistentvolume', namespaced: false, shortNames: ['pv'], subresources: ['status'], hasSpec: true, categories: [] }),
  core({ kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', singular: 'persistentvolumeclaim', namespaced: true, shortNames: ['pvc'], subresources: ['status'], hasSpec: true, categories: [] }),
  // Top-level fields (provisioner, parameters, reclaimPolicy, volumeBindingMode), no spec.
  storage({ kind: 'StorageClass', plural: 'storageclasses', singular: 'storageclass', namespaced: false, shortNames: ['sc'], subresources: [], hasSpec: false, categories: [] }),
  core({ kind: 'Event', plural: 'events', singular: 'event', namespaced: true, shortNames: ['ev'], subresources: [], hasSpec: false, categories: [] }),
  apps({ kind: 'Deployment', plural: 'deployments', singular: 'deployment', namespaced: true, shortNames: ['deploy'], subresources: ['status', 'scale'], hasSpec: true, categories: ['all'] }),
  apps({ kind: 'ReplicaSet', plural: 'replicasets', singular: 'replicaset', namespaced: true, shortNames: ['rs'], subresources: ['status', 'scale'], hasSpec: true, categories: ['all'] }),
  apps({ kind: 'DaemonSet', plural: 'daemonsets', singular: 'daemonset', namespaced: true, shortNames: ['ds'], subresources: ['status'], hasSpec: true, categories: ['all'] }),
  apps({ kind: 'StatefulSet', plural: 'statefulsets', singular: 'statefulset', namespaced: true, shortNames: ['sts'], subresources: ['status', 'scale'], hasSpec: true, categories: ['all'] }),
  // Revision history of DaemonSets and StatefulSets (`kubectl rollout history/undo`): data and revision, no spec.
  apps({ kind: 'ControllerRevision', plural: 'controllerrevisions', singular: 'controllerrevision', namespaced: true, shortNames: [], subresources: [], hasSpec: false, categories: [] }),
  batch({ kind: 'Job', plural: 'jobs', singular: 'job', namespaced: true, shortNames: [], subresources: ['status'], hasSpec: true, categories: ['all'] }),
  policy({ kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets', singular: 'poddisruptionbudget', namespaced: true, shortNames: ['pdb'], subresources: ['status'], hasSpec: true, categories: [] }),
  autoscaling({ kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers', singular: 'horizontalpodautoscaler', namespaced: true, shortNames: ['hpa'], subresources: ['status'], hasSpec: true, categories: ['all'], alsoServed: ['v1'] }),
  networking({ kind: 'Ingress', plural: 'ingresses', singular: 'ingress', namespaced: true, shortNames: ['ing'], subresources: ['status'], hasSpec: true, categories: [] }),
  networking({ kind: 'IngressClass', plural: 'ingressclasses', singular: 'ingressclass', namespaced: false, shortNames: [], subresources: [], hasSpec: true, categories: [] }),
  batch({ kind: 'CronJob', plural: 'cronjobs', singular: 'cronjob', namespaced: true, shortNames: ['cj'], subresources: ['status'], hasSpec: true, categories: ['all'] }),
  // Identities and authorization (docs/security.md). ServiceAccounts have a `token` subresource (TokenRequest, never stored).
  core({ kind: 'ServiceAccount', plural: 'serviceaccounts', singular: 'serviceaccount', namespaced: true, shortNames: ['sa'], subresources: ['token'], hasSpec: false, categories: [] }),
  rbac({ kind: 'Role', plural: 'roles', singular: 'role', namespaced: true, shortNames: [], subresources: [], hasSpec: false, categories: [] }),
  rbac({ kind: 'ClusterRole', plural: 'clusterroles', singular: 'clusterrole', namespaced: false, shortNames: [], subresources: [], hasSpec: false, categories: [] }),
  rbac({ kind: 'RoleBinding', plural: 'rolebindings', singular: 'rolebinding', namespaced: true, shortNames: [], subresources: [], hasSpec: false, categories: [] }),
  rbac({ kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', singular: 'clusterrolebinding', namespaced: false, shortNames: [], subresources: [], hasSpec: false, categories: [] }),
  // Admission's objects: quotas (status.used kept by the quota controller) and per-namespace defaults and limits.
  core({ kind: 'ResourceQuota', plural: 'resourcequotas', singular: 'resourcequota', namespaced: true, shortNames: ['quota'], subresources: ['status'], hasSpec: true, categories: [] }),
  core({ kind: 'LimitRange', plural: 'limitranges', singular: 'limitrange', namespaced: true, shortNames: ['limits'], subresources: [], hasSpec: true, categories: [] }),
  // Node identity: a joining node's certificate request (approved and signed by the controller manager).
  certificates({ kind: 'CertificateSigningRequest', plural: 'certificatesigningrequests', singular: 'certificatesigningrequest', namespaced: false, shortNames: ['csr'], subresources: ['status', 'approval'], hasSpec: true, categories: [] }),
  coordination({ kind: 'Lease', plural: 'leases', singular: 'lease', namespaced: true, shortNames: [], subresources: [], hasSpec: true, categories: [] }),
];

export function apiVersionOf(r: ResourceInfo): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/** The versions a resource is served at, the stored (preferred) one first. */
export function servedVersions(r: ResourceInfo): readonly string[] {
  return [r.version, ...(r.alsoServed ?? [])];
}

export function resourceByKind(kind: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.kind === kind);
}

export function resourceByPlural(group: string, plural: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.group === group && r.plural === plural);
}

/** Resolves what a user may type: plural, singular, short name or kind, any case. */
export function resolveResource(name: string): ResourceInfo | undefined {
  const n = name.toLowerCase();
  return RESOURCES.find(
    (r) => r.plural === n || r.singular === n || r.kind.toLowerCase() === n || r.shortNames.includes(n),
  );
}

/** `logbook.<plural>`: one Kafka topic per kind (DESIGN §4). */
export function topicFor(r: ResourceInfo): string {
  return `logbook.${r.plural}`;
}

/** The log stream of one object: `<Kind>/<namespace>/<name>`, or `<Kind>/<name>` when cluster-scoped. */
export function streamName(kind: string, namespace: string | undefined, name: string): string {
  return namespace ? `${kind}/${namespace}/${name}` : `${kind}/${name}`;
}

export function parseStreamName(stream: string): { kind: string; namespace?: string; name: string } {
  const parts = stream.split('/');
  if (parts.length === 3) return { kind: parts[0], namespace: parts[1], name: parts[2] };
  return { kind: parts[0], name: parts[1] };
}
