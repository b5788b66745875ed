import type { KubeObject } from '@logbook/kube';
import type { PolicyRule, Subject } from './rbac-rules';

/**
 * The default roles and bindings (kube's bootstrap policy, trimmed to the kinds Logbook serves
 * and to what its components really call), reconciled at every API server start; see
 * docs/security.md for the table. Component user names are kube's.
 */
export const SCHEDULER_USER = 'system:kube-scheduler';
export const CONTROLLER_MANAGER_USER = 'system:kube-controller-manager';
export const PROXY_USER = 'system:kube-proxy';
export const RELAY_USER = 'system:logbook-relay';
/** Cluster DNS (kube's `system:kube-dns` role): reads Services, their endpoints, pods and namespaces; keeps its own `kube-dns` Service. */
export const DNS_USER = 'system:kube-dns';
/** The cloud controller manager (LoadBalancer Services of the local provider). */
export const CLOUD_CONTROLLER_MANAGER_USER = 'system:cloud-controller-manager';
/** The hollow nodes of `logbook up --hollow-nodes`: one simulator playing many kubelets. */
export const HOLLOW_NODES_USER = 'system:logbook-hollow-nodes';
export const MASTERS_GROUP = 'system:masters';
export const BOOTSTRAPPERS_GROUP = 'system:bootstrappers';
export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';
const RBAC = 'rbac.authorization.k8s.io';
const AGGREGATE_TO = (role: 'admin' | 'edit' | 'view') => `${RBAC}/aggregate-to-${role}`;

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const READ_WRITE = [...READ, ...WRITE];

const rule = (verbs: readonly string[], apiGroups: readonly string[], resources: readonly string[], resourceNames?: readonly string[]): PolicyRule => ({
  verbs: [...verbs],
  apiGroups: [...apiGroups],
  resources: [...resources],
  ...(resourceNames ? { resourceNames: [...resourceNames] } : {}),
});
const urls = (verbs: readonly string[], nonResourceURLs: readonly string[]): PolicyRule => ({ verbs: [...verbs], nonResourceURLs: [...nonResourceURLs] });

interface RoleSpec {
  readonly name: string;
  readonly labels?: Record<string, string>;
  readonly rules?: readonly PolicyRule[];
  /** Aggregated roles: rules come from the ClusterRoles these labels select (the aggregation controller). */
  readonly aggregateFrom?: string;
}

const CLUSTER_ROLES: readonly RoleSpec[] = [
  { name: 'cluster-admin', rules: [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])] },
  { name: 'admin', aggregateFrom: AGGREGATE_TO('admin') },
  { name: 'edit', labels: { [AGGREGATE_TO('admin')]: 'true' }, aggregateFrom: AGGREGATE_TO('edit') },
  { name: 'view', labels: { [AGGREGATE_TO('edit')]: 'true' }, aggregateFrom: AGGREGATE_TO('view') },
  {
    name: 'system:aggregate-to-admin',
    labels: { [AGGREGATE_TO('admin')]: 'true' },
    rules: [rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']), rule(READ_WRITE, [RBAC], ['roles', 'rolebindings']), rule(READ_WRITE, [''], ['resourcequotas', 'limitranges'])],
  },
  {
    name: 'system:aggregate-to-edit',
    labels: { [AGGREGATE_TO('edit')]: 'true' },
    rules: [
      rule(['impersonate'], [''], ['serviceaccounts']),
      rule(WRITE, [''], ['pods', 'pods/attach', 'pods/exec', 'pods/portforward']),
      rule(['create'], [''], ['pods/eviction', 'serviceaccounts/token']),
      rule(WRITE, [''], ['serviceaccounts', 'services', 'persistentvolumeclaims', 'configmaps', 'secrets', 'events']),
      rule(WRITE, ['apps'], ['statefulsets', 'statefulsets/scale', 'daemonsets', 'deployments', 'deployments/scale', 'replicasets', 'replicasets/scale']),
      rule(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
      rule(WRITE, ['batch'], ['jobs', 'cronjobs']),
      rule(WRITE, ['policy'], ['poddisruptionbudgets']),
      rule(WRITE, ['networking.k8s.io'], ['ingresses']),
      rule(READ_WRITE, ['coordination.k8s.io'], ['leases']),
      // Secrets are readable by edit, not view (as in kube: reading a secret can mean acting as its service account).
      rule(READ, [''], ['secrets']),
    ],
  },
  {
    name: 'system:aggregate-to-view',
    labels: { [AGGREGATE_TO('view')]: 'true' },
    rules: [
      rule(READ, [''], ['pods', 'pods/status', 'pods/log', 'serviceaccounts', 'services', 'services/status', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'configmaps']),
      rule(READ, [''], ['limitranges', 'resourcequotas', 'resourcequotas/status', 'events', 'namespaces', 'namespaces/status']),
      rule(READ, ['discovery.k8s.io'], ['endpointslices']),
      rule(READ, ['apps'], ['controllerrevisions', 'statefulsets', 'statefulsets/status', 'statefulsets/scale', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/status', 'deployments/scale', 'replicasets', 'replicasets/status', 'replicasets/scale']),
      rule(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
      rule(READ, ['batch'], ['jobs', 'jobs/status', 'cronjobs', 'cronjobs/status']),
      rule(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
      rule(READ, ['networking.k8s.io'], ['ingresses', 'ingresses/status']),
      // metrics-server's aggregated-metrics-reader does this in kube: `kubectl top` for viewers.
      rule(READ, ['metrics.k8s.io'], ['pods', 'nodes']),
    ],
  },
  { name: 'system:discovery', rules: [urls(['get'], ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/readyz', '/openapi', '/openapi/*', '/version', '/version/'])] },
  { name: 'system:public-info-viewer', rules: [urls(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/'])] },
  { name: 'system:monitoring', rules: [urls(['get'], ['/metrics', '/healthz', '/healthz/*', '/livez', '/livez/*', '/readyz', '/readyz/*'])] },
  { name: 'system:basic-user', rules: [rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']), rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews'])] },
  // What `logbook history|audit|diff|explain|get --at` and `tail` call; each answer is filtered per object by what the caller may read.
  { name: 'system:logbook-history-viewer', rules: [urls(['get'], ['/apis/logbook.io/v1/history', '/apis/logbook.io/v1/audit', '/apis/logbook.io/v1/diff', '/apis/logbook.io/v1/hash', '/apis/logbook.io/v1/explain', '/apis/logbook.io/v1/tail'])] },
  {
    name: 'system:kube-scheduler',
    rules: [
      // Initial sync lists what the scheduler consumes; it writes bindings and the PodScheduled condition.
      rule(READ, [''], ['pods', 'nodes', 'persistentvolumeclaims', 'persistentvolumes', 'namespaces', 'services']),
      rule(READ, ['storage.k8s.io'], ['storageclasses']),
      rule(['create'], [''], ['pods/binding', 'bindings']),
      rule(['patch', 'update'], [''], ['pods/status']),
      rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
    ],
  },
  {
    name: 'system:kube-controller-manager',
    rules: [
      // The garbage collector and the namespace controller read and delete any kind (kube's
      // gc and namespace controllers have these same `*` grants); status and scale writes too.
      rule([...READ, 'patch', 'update', 'delete', 'deletecollection'], ['*'], ['*']),
      // What the workload, endpoint, volume and event controllers create.
      rule(['create'], [''], ['pods', 'endpoints', 'events', 'persistentvolumes', 'persistentvolumeclaims', 'serviceaccounts', 'configmaps', 'secrets', 'pods/eviction']),
      rule(['create'], ['apps'], ['replicasets', 'controllerrevisions']),
      rule(['create'], ['batch'], ['jobs']),
      rule(['create'], ['discovery.k8s.io'], ['endpointslices']),
      rule(['create'], ['events.k8s.io'], ['events']),
      rule(['create'], ['coordination.k8s.io'], ['leases']),
      // The CSR approver and signer (node client certificates).
      rule(['approve'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kube-apiserver-client']),
      rule(['sign'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kube-apiserver-client']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
      // The aggregation controller writes rules it does not hold itself (kube's has the same grant).
      rule(['escalate'], [RBAC], ['clusterroles']),
    ],
  },
  {
    // Bound to system:nodes; what the Node authorizer narrows (secrets, configmaps, volumes,
    // tokens, its Node, Lease and pods) is not here, so RBAC cannot widen it.
    name: 'system:node',
    rules: [
      rule(READ, [''], ['pods', 'nodes', 'services', 'endpoints']),
      // The local-path reclaimer sweeps released volumes of this node.
      rule(['list', 'watch'], [''], ['persistentvolumes']),
      // The NetworkPolicy enforcer of the node agent: policies select pods by their labels and their namespace's.
      rule(READ, [''], ['namespaces']),
      rule(READ, ['networking.k8s.io'], ['networkpolicies']),
      rule(['create'], [''], ['nodes']),
      rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
      rule(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests']),
      rule(['create'], ['certificates.k8s.io'], ['certificatesigningrequests/selfnodeclient']),
      rule(['get'], ['storage.k8s.io'], ['storageclasses']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
    ],
  },
  {
    name: 'system:node-proxier',
    rules: [
      rule(['list', 'watch'], [''], ['services', 'endpoints']),
      rule(READ, [''], ['nodes']),
      rule(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
      rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
      // The node's ingress controller: reads Ingresses and classes, writes their status, creates the default class.
      rule(READ, ['networking.k8s.io'], ['ingresses', 'ingressclasses']),
      rule(['create'], ['networking.k8s.io'], ['ingressclasses']),
      rule(['update', 'patch'], ['networking.k8s.io'], ['ingresses/status']),
    ],
  },
  {
    name: 'system:kube-dns',
    rules: [
      rule(['list', 'watch'], [''], ['services', 'endpoints', 'pods', 'namespaces']),
      rule(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
      // Its own Service kube-system/kube-dns and the endpoints naming the address it answers on.
      rule(['create'], [''], ['services', 'endpoints']),
      rule(['create'], ['discovery.k8s.io'], ['endpointslices']),
      rule(['get', 'update', 'patch'], [''], ['services', 'endpoints'], ['kube-dns']),
      rule(['get', 'update', 'patch'], ['discovery.k8s.io'], ['endpointslices'], ['kube-dns']),
      rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
    ],
  },
  {
    name: 'system:cloud-controller-manager',
    rules: [
      rule(READ, [''], ['services', 'nodes']),
      rule(['update', 'patch'], [''], ['services/status']),
      rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
    ],
  },
  { name: 'system:node-bootstrapper', rules: [rule(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests'])] },
  { name: 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', rules: [rule(['create'], ['certificates.k8s.io'], ['certificatesigningrequests/nodeclient'])] },
  { name: 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', rules: [rule(['create'], ['certificates.k8s.io'], ['certificatesigningrequests/selfnodeclient'])] },
  // The relay reads the event store directly and calls nothing on the API; its identity has no grants beyond discovery.
  { name: 'system:logbook-relay', rules: [] },
  {
    name: 'system:logbook-hollow-nodes',
    rules: [
      rule(READ, [''], ['pods', 'nodes']),
      rule(['create', 'update', 'patch'], [''], ['nodes', 'nodes/status']),
      rule(['update', 'patch'], [''], ['pods/status']),
      rule(['delete'], [''], ['pods']),
      rule(['create', 'patch', 'update'], [''], ['events']),
    ],
  },
];

const user = (name: string): Subject => ({ kind: 'User', apiGroup: RBAC, name });
const group = (name: string): Subject => ({ kind: 'Group', apiGroup: RBAC, name });

const CLUSTER_ROLE_BINDINGS: readonly { name: string; role: string; subjects: readonly Subject[] }[] = [
  { name: 'cluster-admin', role: 'cluster-admin', subjects: [group(MASTERS_GROUP)] },
  { name: 'system:discovery', role: 'system:discovery', subjects: [group('system:authenticated')] },
  { name: 'system:basic-user', role: 'system:basic-user', subjects: [group('system:authenticated')] },
  { name: 'system:public-info-viewer', role: 'system:public-info-viewer', subjects: [group('system:authenticated'), group('system:unauthenticated')] },
  { name: 'system:monitoring', role: 'system:monitoring', subjects: [group('system:monitoring')] },
  { name: 'system:logbook-history-viewer', role: 'system:logbook-history-viewer', subjects: [group('system:authenticated')] },
  { name: 'system:kube-scheduler', role: 'system:kube-scheduler', subjects: [user(SCHEDULER_USER)] },
  { name: 'system:kube-controller-manager', role: 'system:kube-controller-manager', subjects: [user(CONTROLLER_MANAGER_USER)] },
  { name: 'system:node', role: 'system:node', subjects: [group('system:nodes')] },
  { name: 'system:node-proxier', role: 'system:node-proxier', subjects: [user(PROXY_USER)] },
  { name: 'system:kube-dns', role: 'system:kube-dns', subjects: [user(DNS_USER)] },
  { name: 'system:cloud-controller-manager', role: 'system:cloud-controller-manager', subjects: [user(CLOUD_CONTROLLER_MANAGER_USER)] },
  { name: 'system:node-bootstrapper', role: 'system:node-bootstrapper', subjects: [group(BOOTSTRAPPERS_GROUP)] },
  { name: 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', role: 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', subjects: [group(BOOTSTRAPPERS_GROUP)] },
  { name: 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', role: 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', subjects: [group('system:nodes')] },
  { name: 'system:logbook-relay', role: 'system:logbook-relay', subjects: [user(RELAY_USER)] },
  { name: 'system:logbook-hollow-nodes', role: 'system:logbook-hollow-nodes', subjects: [user(HOLLOW_NODES_USER)] },
];

const BOOTSTRAP_LABELS = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
const BOOTSTRAP_ANNOTATIONS = { [AUTOUPDATE_ANNOTATION]: 'true' };

/** The default ClusterRoles as objects (aggregated ones with an aggregationRule and no rules of their own). */
export function bootstrapClusterRoles(): KubeObject[] {
  return CLUSTER_ROLES.map((spec) => ({
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRole',
    metadata: { name: spec.name, labels: { ...BOOTSTRAP_LABELS, ...spec.labels }, annotations: { ...BOOTSTRAP_ANNOTATIONS } },
    ...(spec.aggregateFrom ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [spec.aggregateFrom]: 'true' } }] }, rules: [] } : { rules: spec.rules ?? [] }),
  })) as KubeObject[];
}

export function bootstrapClusterRoleBindings(): KubeObject[] {
  return CLUSTER_ROLE_BINDINGS.map((b) => ({
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name: b.name, labels: { ...BOOTSTRAP_LABELS }, annotations: { ...BOOTSTRAP_ANNOTATIONS } },
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: b.role },
    subjects: b.subjects.map((s) => ({ ...s })),
  })) as KubeObject[];
}
