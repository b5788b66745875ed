import { formatAge, humanDuration } from './human-duration';
import { labelSelectorToString } from './label-selector';
import type { KubeObject } from './object';
import { accessModesString, isDefaultStorageClass, storageClassOf } from './storage/storage';

/**
 * Per-kind columns of kube-apiserver's server-side printers (pkg/printers/internalversion).
 * kubectl prints the cells verbatim, so their formatting (`<none>`, `80/TCP`, `1/1`) is ours.
 */
export interface ColumnDefinition {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string;
  description: string;
  priority: number;
}

export interface Printer {
  columns: ColumnDefinition[];
  cells(obj: KubeObject, now: Date): unknown[];
}

const col = (name: string, type: ColumnDefinition['type'] = 'string', priority = 0, description = ''): ColumnDefinition => ({
  name,
  type,
  format: name === 'Name' ? 'name' : '',
  description: description || (name === 'Name' ? 'Name must be unique within a namespace.' : name === 'Age' ? 'CreationTimestamp is a timestamp representing the server time when this object was created.' : name),
  priority,
});
const NAME = col('Name');
const AGE = col('Age');
const none = (v: unknown): string => (v === undefined || v === null || v === '' ? '<none>' : String(v));
const age = (o: KubeObject, now: Date) => formatAge(o.metadata.creationTimestamp, now);

const containersOf = (podSpec: any): any[] => (Array.isArray(podSpec?.containers) ? podSpec.containers : []);
const containerNames = (podSpec: any) => none(containersOf(podSpec).map((c) => c.name).join(','));
const containerImages = (podSpec: any) => none(containersOf(podSpec).map((c) => c.image).join(','));
const selectorString = (sel: any) => {
  if (!sel) return '<none>';
  try {
    return none(labelSelectorToString(sel));
  } catch {
    return '<error>';
  }
};
const mapSelector = (m: Record<string, string> | undefined) =>
  none(Object.keys(m ?? {}).sort().map((k) => `${k}=${m![k]}`).join(','));

/** STATUS as kubectl shows it: Terminating, else a container's waiting/terminated reason, else phase. */
export function podStatus(pod: KubeObject): string {
  let reason: string = pod.status?.reason || pod.status?.phase || 'Pending';
  const initStatuses: any[] = pod.status?.initContainerStatuses ?? [];
  const initCount = (pod.spec?.initContainers ?? []).length;
  let initializing = false;
  initStatuses.forEach((s, i) => {
    if (initializing) return;
    if (s.state?.terminated?.exitCode === 0) return;
    if (s.state?.terminated) {
      reason = `Init:${s.state.terminated.reason || (s.state.terminated.signal ? `Signal:${s.state.terminated.signal}` : `ExitCode:${s.state.terminated.exitCode}`)}`;
    } else if (s.state?.waiting?.reason && s.state.waiting.reason !== 'PodInitializing') {
      reason = `Init:${s.state.waiting.reason}`;
    } else {
      reason = `Init:${i}/${initCount}`;
    }
    initializing = true;
  });
  if (!initializing) {
    const statuses: any[] = pod.status?.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const st = statuses[i].state ?? {};
      if (st.waiting?.reason) reason = st.waiting.reason;
      else if (st.terminated?.reason) reason = st.terminated.reason;
      else if (st.terminated) reason = st.terminated.signal ? `Signal:${st.terminated.signal}` : `ExitCode:${st.terminated.exitCode}`;
    }
  }
  if (pod.metadata.deletionTimestamp) reason = pod.status?.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return reason;
}

function podRestarts(pod: KubeObject, now: Date): string {
  let restarts = 0;
  let last: number | undefined;
  for (const s of (pod.status?.containerStatuses ?? []) as any[]) {
    restarts += s.restartCount ?? 0;
    const finished = s.lastState?.terminated?.finishedAt;
    if (finished && (last === undefined || Date.parse(finished) > last)) last = Date.parse(finished);
  }
  return restarts > 0 && last !== undefined && !Number.isNaN(last) ? `${restarts} (${humanDuration(now.getTime() - last)} ago)` : String(restarts);
}

function servicePorts(spec: any): string {
  const ports: any[] = spec?.ports ?? [];
  return none(ports.map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`)).join(','));
}

function serviceExternalIP(svc: KubeObject): string {
  const external: string[] = svc.spec?.externalIPs ?? [];
  switch (svc.spec?.type) {
    case 'LoadBalancer': {
      const ingress = ((svc.status?.loadBalancer?.ingress ?? []) as any[]).map((i) => i.ip || i.hostname).filter(Boolean);
      const all = [...ingress, ...external];
      return all.length ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return none(svc.spec.externalName);
    default:
      return none(external.join(','));
  }
}

function nodeStatus(node: KubeObject): string {
  const ready = ((node.status?.conditions ?? []) as any[]).find((c) => c.type === 'Ready');
  // kubectl shows NotReady for any Ready condition that is not True; Unknown only without one.
  const parts = [!ready ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady'];
  if (node.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function nodeRoles(node: KubeObject): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/') && k.length > 'node-role.kubernetes.io/'.length) roles.add(k.slice('node-role.kubernetes.io/'.length));
    else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return none([...roles].sort().join(','));
}

function endpointsList(ep: KubeObject): string {
  const all: string[] = [];
  for (const s of (ep.subsets ?? []) as any[]) {
    const ports: any[] = s.ports?.length ? s.ports : [undefined];
    for (const a of (s.addresses ?? []) as any[]) for (const p of ports) all.push(p ? `${a.ip}:${p.port}` : a.ip);
  }
  if (all.length === 0) return '<none>';
  return all.length > 3 ? `${all.slice(0, 3).join(',')} + ${all.length - 3} more...` : all.join(',');
}

/** kubectl's EndpointSlice ENDPOINTS column: the first three addresses, then how many more. */
function sliceEndpoints(slice: KubeObject): string {
  const all = ((slice.endpoints ?? []) as any[]).flatMap((e) => e.addresses ?? []);
  if (all.length === 0) return '<unset>';
  return all.length > 3 ? `${all.slice(0, 3).join(',')} + ${all.length - 3} more...` : all.join(',');
}

function jobCompletions(job: KubeObject): string {
  const succeeded = job.status?.succeeded ?? 0;
  if (job.spec?.completions !== undefined && job.spec?.completions !== null) return `${succeeded}/${job.spec.completions}`;
  const parallelism = job.spec?.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function jobDuration(job: KubeObject, now: Date): string {
  const start = job.status?.startTime;
  if (!start) return '';
  const end = job.status?.completionTime ? Date.parse(job.status.completionTime) : now.getTime();
  return humanDuration(end - Date.parse(start));
}

/** kubectl's HOSTS cell: the rules' hosts joined, `*` for a rule without one, at most three then `+ N more...`. */
function ingressHosts(o: KubeObject): string {
  const hosts: string[] = (o.spec?.rules ?? []).map((r: any) => r?.host || '*');
  if (hosts.length === 0) return '*';
  return hosts.length > 3 ? `${hosts.slice(0, 3).join(',')} + ${hosts.length - 3} more...` : hosts.join(',');
}

/** ADDRESS: the load balancer's IPs or host names from status. */
const ingressAddress = (o: KubeObject): string => (o.status?.loadBalancer?.ingress ?? []).map((i: any) => i?.ip || i?.hostname).filter(Boolean).join(',');

/**
 * PORTS: kubectl prints `80` (`80, 443` with TLS) because a cloud load balancer listens there;
 * Logbook's ingress listener reports the port it really listens on in status, which is shown instead.
 */
function ingressPorts(o: KubeObject): string {
  const ports = [...new Set<number>((o.status?.loadBalancer?.ingress ?? []).flatMap((i: any) => (i?.ports ?? []).map((p: any) => p?.port)).filter((p: unknown) => typeof p === 'number'))];
  if (ports.length > 0) return ports.join(', ');
  return (o.spec?.tls ?? []).length > 0 ? '80, 443' : '80';
}

/** A budget's bound as kubectl shows it: `2`, `50%`, or `N/A` when that field is not set. */
const intOrPercentCell = (v: unknown): string => (v === undefined || v === null ? 'N/A' : String(v));

const WIDE_WORKLOAD = [col('Containers', 'string', 1), col('Images', 'string', 1), col('Selector', 'string', 1)];
const wideWorkload = (o: KubeObject) => [containerNames(o.spec?.template?.spec), containerImages(o.spec?.template?.spec), selectorString(o.spec?.selector)];

/**
 * TARGETS of `kubectl get hpa` as kube 1.32 prints them: `cpu: 250%/50%` per metric, at most two
 * then `+ N more...`; a current value not yet measured is `<unknown>`.
 */
function hpaTargets(o: KubeObject): string {
  const specs: any[] = o.spec?.metrics ?? [];
  const statuses: any[] = o.status?.currentMetrics ?? [];
  if (specs.length === 0) return '<none>';
  const list = specs.map((m, i) => {
    if (m?.type !== 'Resource' || !m.resource) return `<unknown>/<unknown>`;
    const { name, target } = m.resource;
    const current = statuses[i]?.type === 'Resource' ? statuses[i].resource?.current : undefined;
    if (target?.averageValue !== undefined) return `${name}: ${current?.averageValue ?? '<unknown>'}/${target.averageValue}`;
    const now = current?.averageUtilization !== undefined ? `${current.averageUtilization}%` : '<unknown>';
    return `${name}: ${now}/${target?.averageUtilization !== undefined ? `${target.averageUtilization}%` : '<auto>'}`;
  });
  return list.length > 2 ? `${list.slice(0, 2).join(', ')} + ${list.length - 2} more...` : list.join(', ');
}

/**
 * REQUEST and LIMIT of `kubectl get quota`: `resource: used/hard` for every hard resource in
 * name order, `limits.*` in LIMIT and the rest in REQUEST, as kube's printer words them.
 */
function quotaColumns(o: KubeObject): [string, string] {
  const hard: Record<string, string> = o.status?.hard ?? {};
  const used: Record<string, string> = o.status?.used ?? {};
  const request: string[] = [];
  const limit: string[] = [];
  for (const resource of Object.keys(hard).sort()) (resource.startsWith('limits.') ? limit : request).push(`${resource}: ${used[resource] ?? '0'}/${hard[resource]}`);
  return [request.join(', '), limit.join(', ')];
}

export const PRINTERS: Record<string, Printer> = {
  Pod: {
    columns: [NAME, col('Ready'), col('Status'), col('Restarts'), AGE, col('IP', 'string', 1), col('Node', 'string', 1), col('Nominated Node', 'string', 1), col('Readiness Gates', 'string', 1)],
    cells: (o, now) => {
      const statuses: any[] = o.status?.containerStatuses ?? [];
      const gates: any[] = o.spec?.readinessGates ?? [];
      const conditions: any[] = o.status?.conditions ?? [];
      const gatesTrue = gates.filter((g) => conditions.some((c) => c.type === g.conditionType && c.status === 'True')).length;
      return [
        o.metadata.name,
        `${statuses.filter((s) => s.ready).length}/${containersOf(o.spec).length}`,
        podStatus(o),
        podRestarts(o, now),
        age(o, now),
        none(o.status?.podIP),
        none(o.spec?.nodeName),
        none(o.status?.nominatedNodeName),
        gates.length ? `${gatesTrue}/${gates.length}` : '<none>',
      ];
    },
  },
  Deployment: {
    columns: [NAME, col('Ready'), col('Up-to-date', 'integer'), col('Available', 'integer'), AGE, ...WIDE_WORKLOAD],
    cells: (o, now) => [
      o.metadata.name,
      `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}`,
      o.status?.updatedReplicas ?? 0,
      o.status?.availableReplicas ?? 0,
      age(o, now),
      ...wideWorkload(o),
    ],
  },
  ReplicaSet: {
    columns: [NAME, col('Desired', 'integer'), col('Current', 'integer'), col('Ready', 'integer'), AGE, ...WIDE_WORKLOAD],
    cells: (o, now) => [o.metadata.name, o.spec?.replicas ?? 0, o.status?.replicas ?? 0, o.status?.readyReplicas ?? 0, age(o, now), ...wideWorkload(o)],
  },
  Job: {
    columns: [NAME, col('Completions'), col('Duration'), AGE, ...WIDE_WORKLOAD],
    cells: (o, now) => [o.metadata.name, jobCompletions(o), jobDuration(o, now), age(o, now), ...wideWorkload(o)],
  },
  HorizontalPodAutoscaler: {
    columns: [NAME, col('Reference'), col('Targets'), col('MinPods', 'integer'), col('MaxPods', 'integer'), col('Replicas', 'integer'), AGE],
    cells: (o, now) => {
      const ref = o.spec?.scaleTargetRef ?? {};
      return [o.metadata.name, `${ref.kind ?? ''}/${ref.name ?? ''}`, hpaTargets(o), o.spec?.minReplicas ?? '<unset>', o.spec?.maxReplicas ?? 0, o.status?.currentReplicas ?? 0, age(o, now)];
    },
  },
  DaemonSet: {
    columns: [NAME, col('Desired', 'integer'), col('Current', 'integer'), col('Ready', 'integer'), col('Up-to-date', 'integer'), col('Available', 'integer'), col('Node Selector'), AGE, ...WIDE_WORKLOAD],
    cells: (o, now) => {
      const s = o.status ?? {};
      const n = (v: unknown) => (typeof v === 'number' ? v : 0);
      return [o.metadata.name, n(s.desiredNumberScheduled), n(s.currentNumberScheduled), n(s.numberReady), n(s.updatedNumberScheduled), n(s.numberAvailable), mapSelector(o.spec?.template?.spec?.nodeSelector), age(o, now), ...wideWorkload(o)];
    },
  },
  StatefulSet: {
    columns: [NAME, col('Ready'), AGE, col('Containers', 'string', 1), col('Images', 'string', 1)],
    cells: (o, now) => [o.metadata.name, `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}`, age(o, now), containerNames(o.spec?.template?.spec), containerImages(o.spec?.template?.spec)],
  },
  ControllerRevision: {
    columns: [NAME, col('Controller'), col('Revision', 'integer'), AGE],
    cells: (o, now) => {
      const ref = o.metadata.ownerReferences?.find((r) => r.controller);
      // kube prints the owner as <kind>.<group>/<name>, lower case: daemonset.apps/fluentd.
      const group = ref?.apiVersion.includes('/') ? ref.apiVersion.slice(0, ref.apiVersion.indexOf('/')) : '';
      const owner = ref ? `${ref.kind.toLowerCase()}${group ? `.${group}` : ''}/${ref.name}` : '<none>';
      return [o.metadata.name, owner, o.revision ?? 0, age(o, now)];
    },
  },
  Ingress: {
    columns: [NAME, col('Class', 'string', 0, 'The name of the IngressClass resource.'), col('Hosts'), col('Address'), col('Ports'), AGE],
    cells: (o, now) => [o.metadata.name, o.spec?.ingressClassName || '<none>', ingressHosts(o), ingressAddress(o), ingressPorts(o), age(o, now)],
  },
  IngressClass: {
    columns: [NAME, col('Controller'), col('Parameters'), AGE],
    cells: (o, now) => {
      const p = o.spec?.parameters;
      return [o.metadata.name, o.spec?.controller ?? '', p ? `${p.apiGroup ?? ''}/${p.kind ?? ''}/${p.name ?? ''}`.replace(/^\//, '') : '<none>', age(o, now)];
    },
  },
  // kube-apiserver 1.32's printPersistentVolume / printPersistentVolumeClaim / printStorageClass.
  PersistentVolume: {
    columns: [NAME, col('Capacity'), col('Access Modes'), col('Reclaim Policy'), col('Status'), col('Claim'), col('StorageClass'), col('VolumeAttributesClass'), col('Reason'), AGE, col('VolumeMode', 'string', 1)],
    cells: (o, now) => {
      const ref = o.spec?.claimRef;
      return [
        o.metadata.name,
        String(o.spec?.capacity?.storage ?? ''),
        accessModesString(o.spec?.accessModes),
        o.spec?.persistentVolumeReclaimPolicy ?? '',
        o.metadata.deletionTimestamp ? 'Terminating' : o.status?.phase ?? '',
        ref ? `${ref.namespace ?? ''}/${ref.name ?? ''}` : '',
        storageClassOf(o),
        o.spec?.volumeAttributesClassName ?? '<unset>',
        o.status?.reason ?? '',
        age(o, now),
        o.spec?.volumeMode ?? '<unset>',
      ];
    },
  },
  PersistentVolumeClaim: {
    columns: [NAME, col('Status'), col('Volume'), col('Capacity'), col('Access Modes'), col('StorageClass'), col('VolumeAttributesClass'), AGE, col('VolumeMode', 'string', 1)],
    cells: (o, now) => {
      const bound = !!o.spec?.volumeName;
      return [
        o.metadata.name,
        o.metadata.deletionTimestamp ? 'Terminating' : o.status?.phase ?? '',
        o.spec?.volumeName ?? '',
        bound ? String(o.status?.capacity?.storage ?? '0') : '',
        bound ? accessModesString(o.status?.accessModes) : '',
        storageClassOf(o),
        o.spec?.volumeAttributesClassName || '<unset>',
        age(o, now),
        o.spec?.volumeMode ?? '<unset>',
      ];
    },
  },
  StorageClass: {
    columns: [NAME, col('Provisioner'), col('ReclaimPolicy'), col('VolumeBindingMode'), col('AllowVolumeExpansion', 'boolean'), AGE],
    cells: (o, now) => [
      isDefaultStorageClass(o) ? `${o.metadata.name} (default)` : o.metadata.name,
      o.provisioner ?? '',
      o.reclaimPolicy ?? 'Delete',
      o.volumeBindingMode ?? 'Immediate',
      o.allowVolumeExpansion ?? false,
      age(o, now),
    ],
  },
  CronJob: {
    columns: [NAME, col('Schedule'), col('Timezone'), col('Suspend'), col('Active', 'integer'), col('Last Schedule'), AGE, col('Containers', 'string', 1), col('Images', 'string', 1), col('Selector', 'string', 1)],
    cells: (o, now) => {
      const job = o.spec?.jobTemplate?.spec;
      const suspend = o.spec?.suspend;
      return [
        o.metadata.name,
        o.spec?.schedule ?? '',
        o.spec?.timeZone ?? '<none>',
        suspend === undefined || suspend === null ? '<unset>' : suspend ? 'True' : 'False',
        (o.status?.active ?? []).length,
        o.status?.lastScheduleTime ? formatAge(o.status.lastScheduleTime, now) : '<none>',
        age(o, now),
        containerNames(job?.template?.spec),
        containerImages(job?.template?.spec),
        selectorString(job?.selector),
      ];
    },
  },
  Service: {
    columns: [NAME, col('Type'), col('Cluster-IP'), col('External-IP'), col('Port(s)'), AGE, col('Selector', 'string', 1)],
    cells: (o, now) => [o.metadata.name, o.spec?.type ?? 'ClusterIP', none(o.spec?.clusterIP), serviceExternalIP(o), servicePorts(o.spec), age(o, now), mapSelector(o.spec?.selector)],
  },
  ConfigMap: {
    columns: [NAME, col('Data', 'integer'), AGE],
    cells: (o, now) => [o.metadata.name, Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length, age(o, now)],
  },
  Secret: {
    columns: [NAME, col('Type'), col('Data', 'integer'), AGE],
    cells: (o, now) => [o.metadata.name, o.type ?? 'Opaque', Object.keys(o.data ?? {}).length, age(o, now)],
  },
  ResourceQuota: {
    columns: [NAME, AGE, col('Request'), col('Limit')],
    cells: (o, now) => [o.metadata.name, age(o, now), ...quotaColumns(o)],
  },
  LimitRange: {
    columns: [NAME, col('Created At')],
    cells: (o) => [o.metadata.name, o.metadata.creationTimestamp ? new Date(o.metadata.creationTimestamp).toISOString().replace(/\.\d{3}Z$/, 'Z') : '<unknown>'],
  },
  CertificateSigningRequest: {
    columns: [NAME, AGE, col('SignerName'), col('Requestor'), col('RequestedDuration'), col('Condition')],
    cells: (o, now) => {
      const conditions = ((o.status?.conditions ?? []) as { type?: string }[]).map((c) => c.type).filter(Boolean) as string[];
      if (o.status?.certificate) conditions.push('Issued');
      const seconds = o.spec?.expirationSeconds;
      return [o.metadata.name, age(o, now), none(o.spec?.signerName), none(o.spec?.username), typeof seconds === 'number' ? humanDuration(seconds * 1000) : '<none>', conditions.length ? conditions.join(',') : 'Pending'];
    },
  },
  ServiceAccount: {
    columns: [NAME, col('Secrets', 'integer'), AGE],
    cells: (o, now) => [o.metadata.name, (o.secrets ?? []).length, age(o, now)],
  },
  Namespace: {
    columns: [NAME, col('Status'), AGE],
    cells: (o, now) => [o.metadata.name, o.status?.phase ?? 'Active', age(o, now)],
  },
  Node: {
    columns: [NAME, col('Status'), col('Roles'), AGE, col('Version'), col('Internal-IP', 'string', 1), col('External-IP', 'string', 1), col('OS-Image', 'string', 1), col('Kernel-Version', 'string', 1), col('Container-Runtime', 'string', 1)],
    cells: (o, now) => {
      const addr = (type: string) => none(((o.status?.addresses ?? []) as any[]).find((a) => a.type === type)?.address);
      const info = o.status?.nodeInfo ?? {};
      return [o.metadata.name, nodeStatus(o), nodeRoles(o), age(o, now), info.kubeletVersion ?? '', addr('InternalIP'), addr('ExternalIP'), none(info.osImage), none(info.kernelVersion), none(info.containerRuntimeVersion)];
    },
  },
  PodDisruptionBudget: {
    columns: [
      NAME,
      col('Min Available', 'string', 0, 'The minimum number of pods that must be available.'),
      col('Max Unavailable', 'string', 0, 'The maximum number of pods that may be unavailable.'),
      col('Allowed Disruptions', 'integer', 0, 'Calculated number of pods that may be disrupted at this time.'),
      AGE,
    ],
    cells: (o, now) => [o.metadata.name, intOrPercentCell(o.spec?.minAvailable), intOrPercentCell(o.spec?.maxUnavailable), o.status?.disruptionsAllowed ?? 0, age(o, now)],
  },
  Endpoints: {
    columns: [NAME, col('Endpoints'), AGE],
    cells: (o, now) => [o.metadata.name, endpointsList(o), age(o, now)],
  },
  EndpointSlice: {
    columns: [NAME, col('AddressType'), col('Ports'), col('Endpoints'), AGE],
    cells: (o, now) => {
      const ports = ((o.ports ?? []) as any[]).map((p) => p.port).filter((p) => p !== undefined);
      return [o.metadata.name, o.addressType ?? '', ports.length ? ports.join(',') : '<unset>', sliceEndpoints(o), age(o, now)];
    },
  },
  Event: {
    columns: [col('Last Seen'), col('Type'), col('Reason'), col('Object'), col('Message'), col('Subobject', 'string', 1), col('Source', 'string', 1), col('First Seen', 'string', 1), col('Count', 'integer', 1), { ...col('Name', 'string', 1), format: 'name' }],
    cells: (o, now) => {
      const io = o.involvedObject ?? {};
      const last = o.lastTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp;
      return [
        formatAge(last, now),
        o.type ?? '',
        o.reason ?? '',
        `${String(io.kind ?? '').toLowerCase()}/${io.name ?? ''}`,
        String(o.message ?? '').trim(),
        io.fieldPath ?? '',
        [o.source?.component, o.source?.host].filter(Boolean).join(', '),
        formatAge(o.firstTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp, now),
        o.count ?? 1,
        o.metadata.name,
      ];
    },
  },
};

/** Kinds without a printer get kube's default: Name and Age. */
export const DEFAULT_PRINTER: Printer = { columns: [NAME, AGE], cells: (o, now) => [o.metadata.name, age(o, now)] };
