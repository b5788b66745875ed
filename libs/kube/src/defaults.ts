import type { KubeObject } from './object';
import { defaultHpaSpec } from './autoscaling';

/**
 * Server-side defaulting as kube-apiserver does it (k8s.io/kubernetes pkg/apis/<group>/v1/defaults.go),
 * for the fields kubectl shows: `describe` prints "StrategyType:" and "Port: 80/TCP" only
 * when these are filled in, and rollout history compares templates after defaulting.
 */
type Obj = Record<string, any>;

/** `:latest` or no tag means "always pull"; a digest or any other tag means "if not present". */
export function defaultImagePullPolicy(image: string | undefined): 'Always' | 'IfNotPresent' {
  if (!image || image.includes('@')) return 'IfNotPresent';
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  return colon < 0 || lastSegment.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultContainer(c: Obj): void {
  if (typeof c !== 'object' || c === null) return;
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  c.imagePullPolicy ??= defaultImagePullPolicy(c.image);
  c.resources ??= {};
  if (Array.isArray(c.ports)) for (const p of c.ports) if (p && typeof p === 'object') p.protocol ??= 'TCP';
}

export function defaultPodSpec(spec: Obj): void {
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.securityContext ??= {};
  spec.enableServiceLinks ??= true;
  for (const list of [spec.containers, spec.initContainers]) {
    if (Array.isArray(list)) list.forEach(defaultContainer);
  }
}

function defaultTemplate(spec: Obj): void {
  if (typeof spec.template?.spec === 'object' && spec.template.spec !== null) defaultPodSpec(spec.template.spec);
}

function defaultDeployment(spec: Obj): void {
  spec.replicas ??= 1;
  spec.strategy ??= {};
  spec.strategy.type ??= 'RollingUpdate';
  if (spec.strategy.type === 'RollingUpdate') {
    spec.strategy.rollingUpdate ??= {};
    spec.strategy.rollingUpdate.maxSurge ??= '25%';
    spec.strategy.rollingUpdate.maxUnavailable ??= '25%';
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  defaultTemplate(spec);
}

function defaultJob(spec: Obj): void {
  // As in Kubernetes: completions defaults to 1 only when parallelism is unset too, so a
  // work-queue Job (parallelism set, completions unset) keeps its meaning.
  if (spec.completions === undefined && spec.parallelism === undefined) spec.completions = 1;
  spec.parallelism ??= 1;
  spec.backoffLimit ??= 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  defaultTemplate(spec);
}

function defaultDaemonSet(spec: Obj): void {
  spec.updateStrategy ??= {};
  spec.updateStrategy.type ??= 'RollingUpdate';
  if (spec.updateStrategy.type === 'RollingUpdate') {
    spec.updateStrategy.rollingUpdate ??= {};
    spec.updateStrategy.rollingUpdate.maxUnavailable ??= 1;
    spec.updateStrategy.rollingUpdate.maxSurge ??= 0;
  }
  spec.revisionHistoryLimit ??= 10;
  defaultTemplate(spec);
}

function defaultStatefulSet(spec: Obj): void {
  spec.replicas ??= 1;
  spec.podManagementPolicy ??= 'OrderedReady';
  spec.updateStrategy ??= {};
  if (spec.updateStrategy.type === undefined) {
    spec.updateStrategy.type = 'RollingUpdate';
    spec.updateStrategy.rollingUpdate ??= {};
  }
  if (spec.updateStrategy.type === 'RollingUpdate' && spec.updateStrategy.rollingUpdate) spec.updateStrategy.rollingUpdate.partition ??= 0;
  spec.persistentVolumeClaimRetentionPolicy ??= {};
  spec.persistentVolumeClaimRetentionPolicy.whenDeleted ??= 'Retain';
  spec.persistentVolumeClaimRetentionPolicy.whenScaled ??= 'Retain';
  spec.revisionHistoryLimit ??= 10;
  // Recorded as kube records them; the controller creates a claim per template and ordinal.
  if (Array.isArray(spec.volumeClaimTemplates)) {
    for (const pvc of spec.volumeClaimTemplates) {
      if (!pvc || typeof pvc !== 'object') continue;
      pvc.apiVersion ??= 'v1';
      pvc.kind ??= 'PersistentVolumeClaim';
      pvc.spec ??= {};
      pvc.spec.volumeMode ??= 'Filesystem';
      pvc.status ??= { phase: 'Pending' };
    }
  }
  defaultTemplate(spec);
}

function defaultCronJob(spec: Obj): void {
  spec.concurrencyPolicy ??= 'Allow';
  spec.suspend ??= false;
  spec.successfulJobsHistoryLimit ??= 3;
  spec.failedJobsHistoryLimit ??= 1;
  // Only the pod template inside is defaulted: kube defaults a Job's spec, not a JobTemplate's.
  if (typeof spec.jobTemplate?.spec === 'object' && spec.jobTemplate.spec !== null) defaultTemplate(spec.jobTemplate.spec);
}

function defaultService(spec: Obj): void {
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  if (spec.type !== 'ExternalName') spec.internalTrafficPolicy ??= 'Cluster';
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.externalTrafficPolicy ??= 'Cluster';
  if (Array.isArray(spec.ports)) {
    for (const p of spec.ports) {
      if (!p || typeof p !== 'object') continue;
      p.protocol ??= 'TCP';
      if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
    }
  }
}

/** Node: v1 carries podCIDR and podCIDRs, kept in step as kube's conversion does (podCIDR = podCIDRs[0]). */
function defaultNodeSpec(spec: Obj): void {
  const list = Array.isArray(spec.podCIDRs) ? spec.podCIDRs : [];
  if (spec.podCIDR && list.length === 0) spec.podCIDRs = [spec.podCIDR];
  else if (!spec.podCIDR && list.length > 0) spec.podCIDR = list[0];
}

/** kube's SetDefaults_PersistentVolume: Retain, Filesystem, and phase Pending until the controller looks. */
function defaultPersistentVolume(o: Obj): void {
  const spec = o.spec;
  spec.persistentVolumeReclaimPolicy ??= 'Retain';
  spec.volumeMode ??= 'Filesystem';
  o.status = { ...(o.status ?? {}), phase: o.status?.phase ?? 'Pending' };
}

function defaultPersistentVolumeClaim(o: Obj): void {
  o.spec.volumeMode ??= 'Filesystem';
  o.status = { ...(o.status ?? {}), phase: o.status?.phase ?? 'Pending' };
}

/**
 * A Container item's defaults as kube fills them: a missing default limit is the max, a missing
 * default request is the default limit, else the min — so a range with only `max` still gives
 * every container limits and requests.
 */
function defaultLimitRange(spec: Obj): void {
  if (!Array.isArray(spec.limits)) return;
  for (const item of spec.limits) {
    if (typeof item !== 'object' || item === null || item.type !== 'Container') continue;
    const fill = (into: string, from: unknown): void => {
      if (typeof from !== 'object' || from === null) return;
      for (const [k, v] of Object.entries(from)) if (!(k in (item[into] ?? {}))) item[into] = { ...(item[into] ?? {}), [k]: v };
    };
    fill('default', item.max);
    fill('defaultRequest', item.default);
    fill('defaultRequest', item.min);
  }
}

function defaultStorageClass(o: Obj): void {
  o.reclaimPolicy ??= 'Delete';
  o.volumeBindingMode ??= 'Immediate';
}

/** Returns a defaulted copy of `obj`; kinds without defaults come back as an unchanged copy. */
export function applyDefaults(obj: KubeObject): KubeObject {
  const o = structuredClone(obj);
  const specOf = (): Obj => (o.spec = typeof o.spec === 'object' && o.spec !== null ? o.spec : {});
  switch (o.kind) {
    case 'Pod':
      defaultPodSpec(specOf());
      break;
    case 'Deployment':
      defaultDeployment(specOf());
      break;
    case 'ReplicaSet':
      specOf().replicas ??= 1;
      defaultTemplate(o.spec);
      break;
    case 'Job':
      defaultJob(specOf());
      break;
    case 'DaemonSet':
      defaultDaemonSet(specOf());
      break;
    case 'StatefulSet':
      defaultStatefulSet(specOf());
      break;
    case 'CronJob':
      defaultCronJob(specOf());
      break;
    case 'Service':
      defaultService(specOf());
      break;
    case 'Namespace':
      specOf().finalizers ??= ['kubernetes'];
      o.status = { ...(o.status ?? {}), phase: o.status?.phase ?? 'Active' };
      break;
    case 'Secret':
      o.type ??= 'Opaque';
      break;
    case 'HorizontalPodAutoscaler':
      defaultHpaSpec(specOf());
      break;
    case 'Node':
      if (typeof o.spec === 'object' && o.spec !== null) defaultNodeSpec(o.spec);
      break;
    case 'PersistentVolume':
      specOf();
      defaultPersistentVolume(o);
      break;
    case 'PersistentVolumeClaim':
      specOf();
      defaultPersistentVolumeClaim(o);
      break;
    case 'StorageClass':
      defaultStorageClass(o);
      break;
    case 'LimitRange':
      defaultLimitRange(specOf());
      break;
  }
  return o;
}
