import type { KubeObject } from './object';
import { toTable } from './table';
import { podStatus } from './table-printers';
import { makeDeployment, makeJob, makeObject, makePod, makeReplicaSet } from './testing/builders';

const now = new Date('2024-01-01T12:00:00Z');
const fiveMinAgo = '2024-01-01T11:55:00Z';
const opts = { now, resourceVersion: '1003' };

type Table = {
  kind: string;
  apiVersion: string;
  metadata: Record<string, string>;
  columnDefinitions: Array<{ name: string; priority: number; format: string; type: string }>;
  rows: Array<{ cells: unknown[]; object: any }>;
};
const table = (kind: string, objs: KubeObject[], o: object = {}) => toTable(kind, objs, { ...opts, ...o }) as Table;
const row = (kind: string, obj: KubeObject) => table(kind, [obj]).rows[0].cells;
const header = (kind: string) => table(kind, []).columnDefinitions.map((c) => (c.priority ? `+${c.name}` : c.name)).join(' ');

describe('toTable', () => {
  it('wraps rows with PartialObjectMetadata and the resourceVersion', () => {
    const pod = makePod('p1').labels({ app: 'web' }).created(fiveMinAgo).obj();
    const t = table('Pod', [pod]);
    expect(t).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: '1003' } });
    expect(t.rows[0].object).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: pod.metadata });
    expect(t.columnDefinitions[0]).toMatchObject({ name: 'Name', format: 'name', type: 'string', priority: 0 });
    expect(table('Pod', [pod], { includeObject: true }).rows[0].object).toEqual(pod);
    expect(table('Pod', [], { continue: 'abc' }).metadata).toEqual({ resourceVersion: '1003', continue: 'abc' });
  });

  it.each([
    ['Pod', 'Name Ready Status Restarts Age +IP +Node +Nominated Node +Readiness Gates'],
    ['Deployment', 'Name Ready Up-to-date Available Age +Containers +Images +Selector'],
    ['ReplicaSet', 'Name Desired Current Ready Age +Containers +Images +Selector'],
    ['Service', 'Name Type Cluster-IP External-IP Port(s) Age +Selector'],
    ['ConfigMap', 'Name Data Age'],
    ['Secret', 'Name Type Data Age'],
    ['Namespace', 'Name Status Age'],
    ['Node', 'Name Status Roles Age Version +Internal-IP +External-IP +OS-Image +Kernel-Version +Container-Runtime'],
    ['Endpoints', 'Name Endpoints Age'],
    ['PodDisruptionBudget', 'Name Min Available Max Unavailable Allowed Disruptions Age'],
    ['Ingress', 'Name Class Hosts Address Ports Age'],
    ['IngressClass', 'Name Controller Parameters Age'],
    ['Job', 'Name Completions Duration Age +Containers +Images +Selector'],
    ['Event', 'Last Seen Type Reason Object Message +Subobject +Source +First Seen +Count +Name'],
    ['DaemonSet', 'Name Desired Current Ready Up-to-date Available Node Selector Age +Containers +Images +Selector'],
    ['StatefulSet', 'Name Ready Age +Containers +Images'],
    ['CronJob', 'Name Schedule Timezone Suspend Active Last Schedule Age +Containers +Images +Selector'],
    ['ControllerRevision', 'Name Controller Revision Age'],
    ['ResourceQuota', 'Name Age Request Limit'],
    ['LimitRange', 'Name Created At'],
    ['ServiceAccount', 'Name Secrets Age'],
    ['Widget', 'Name Age'],
  ])('%s columns: %s', (kind, expected) => {
    expect(header(kind)).toBe(expected);
  });

  it.each<[string, string, KubeObject, unknown[]]>([
    ['running pod', 'Pod', makePod('p').created(fiveMinAgo).with('spec.nodeName', 'n1').with('status', { phase: 'Running', podIP: '10.0.0.5', containerStatuses: [{ name: 'c', ready: true, restartCount: 0, state: { running: {} } }] }).obj(), ['p', '1/1', 'Running', '0', '5m', '10.0.0.5', 'n1', '<none>', '<none>']],
    ['pending pod', 'Pod', makePod('p').created(fiveMinAgo).obj(), ['p', '0/1', 'Pending', '0', '5m', '<none>', '<none>', '<none>', '<none>']],
    [
      'resource quota',
      'ResourceQuota',
      makeObject('v1', 'ResourceQuota', 'q1').created(fiveMinAgo).with('status', { hard: { pods: '2', 'limits.cpu': '2', 'requests.cpu': '1' }, used: { pods: '1', 'limits.cpu': '500m' } }).obj(),
      ['q1', '5m', 'pods: 1/2, requests.cpu: 0/1', 'limits.cpu: 500m/2'],
    ],
    [
      'restarted pod',
      'Pod',
      makePod('p').created(fiveMinAgo).with('status', { phase: 'Running', containerStatuses: [{ ready: false, restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { finishedAt: '2024-01-01T11:59:00Z' } } }] }).obj(),
      ['p', '0/1', 'CrashLoopBackOff', '2 (60s ago)', '5m', '<none>', '<none>', '<none>', '<none>'],
    ],
    [
      'deployment',
      'Deployment',
      makeDeployment('web').replicas(3).created(fiveMinAgo).with('status', { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 }).obj(),
      ['web', '2/3', 3, 2, '5m', 'c', 'nginx:1.25', 'app=web'],
    ],
    ['replicaset', 'ReplicaSet', makeReplicaSet('web-1').replicas(2).created(fiveMinAgo).with('status', { replicas: 2, readyReplicas: 1 }).obj(), ['web-1', 2, 2, 1, '5m', 'c', 'nginx:1.25', 'app=web-1']],
    [
      'job running',
      'Job',
      makeJob('j').created(fiveMinAgo).with('spec.completions', 3).with('status', { succeeded: 1, startTime: '2024-01-01T11:56:00Z' }).obj(),
      ['j', '1/3', '4m', '5m', 'c', 'nginx:1.25', 'app=j'],
    ],
    [
      'job complete, work queue',
      'Job',
      makeJob('j').created(fiveMinAgo).with('spec.parallelism', 2).with('status', { succeeded: 1, startTime: '2024-01-01T11:56:00Z', completionTime: '2024-01-01T11:56:30Z' }).obj(),
      ['j', '1/1 of 2', '30s', '5m', 'c', 'nginx:1.25', 'app=j'],
    ],
    [
      'ClusterIP service',
      'Service',
      makeObject('v1', 'Service', 'web', 'default').created(fiveMinAgo).with('spec', { type: 'ClusterIP', clusterIP: '10.96.0.10', ports: [{ port: 80, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }], selector: { tier: 'fe', app: 'web' } }).obj(),
      ['web', 'ClusterIP', '10.96.0.10', '<none>', '80/TCP,53/UDP', '5m', 'app=web,tier=fe'],
    ],
    [
      'LoadBalancer service',
      'Service',
      makeObject('v1', 'Service', 'lb', 'default').created(fiveMinAgo).with('spec', { type: 'LoadBalancer', clusterIP: '10.96.0.11', ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }] }).obj(),
      ['lb', 'LoadBalancer', '10.96.0.11', '<pending>', '80:30080/TCP', '5m', '<none>'],
    ],
    ['configmap', 'ConfigMap', makeObject('v1', 'ConfigMap', 'cm', 'default').created(fiveMinAgo).with('data', { a: '1', b: '2' }).with('binaryData', { c: 'AA==' }).obj(), ['cm', 3, '5m']],
    ['secret', 'Secret', makeObject('v1', 'Secret', 's', 'default').created(fiveMinAgo).with('type', 'Opaque').with('data', { a: 'YQ==' }).obj(), ['s', 'Opaque', 1, '5m']],
    ['namespace', 'Namespace', makeObject('v1', 'Namespace', 'dev').created(fiveMinAgo).with('status.phase', 'Terminating').obj(), ['dev', 'Terminating', '5m']],
    [
      'node',
      'Node',
      makeObject('v1', 'Node', 'n1').created(fiveMinAgo).labels({ 'node-role.kubernetes.io/control-plane': '' }).with('spec.unschedulable', true).with('status', { conditions: [{ type: 'Ready', status: 'True' }], nodeInfo: { kubeletVersion: 'v1.32.0' }, addresses: [{ type: 'InternalIP', address: '192.168.1.2' }] }).obj(),
      ['n1', 'Ready,SchedulingDisabled', 'control-plane', '5m', 'v1.32.0', '192.168.1.2', '<none>', '<none>', '<none>', '<none>'],
    ],
    [
      'endpoints',
      'Endpoints',
      makeObject('v1', 'Endpoints', 'web', 'default').created(fiveMinAgo).with('subsets', [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: '10.0.0.3' }, { ip: '10.0.0.4' }], ports: [{ port: 80 }] }]).obj(),
      ['web', '10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more...', '5m'],
    ],
    ['pdb with minAvailable', 'PodDisruptionBudget', makeObject('policy/v1', 'PodDisruptionBudget', 'web', 'default').created(fiveMinAgo).with('spec', { minAvailable: 2 }).with('status', { disruptionsAllowed: 1 }).obj(), ['web', '2', 'N/A', 1, '5m']],
    ['pdb with a maxUnavailable percentage, no status yet', 'PodDisruptionBudget', makeObject('policy/v1', 'PodDisruptionBudget', 'web', 'default').created(fiveMinAgo).with('spec', { maxUnavailable: '25%' }).obj(), ['web', 'N/A', '25%', 0, '5m']],
    [
      'ingress served by the logbook controller',
      'Ingress',
      makeObject('networking.k8s.io/v1', 'Ingress', 'web', 'default').created(fiveMinAgo).with('spec', { ingressClassName: 'logbook', rules: [{ host: 'a.example' }, {}] }).with('status', { loadBalancer: { ingress: [{ ip: '127.0.0.1', ports: [{ port: 8080, protocol: 'TCP' }] }] } }).obj(),
      ['web', 'logbook', 'a.example,*', '127.0.0.1', '8080', '5m'],
    ],
    ['ingress not served yet, with TLS', 'Ingress', makeObject('networking.k8s.io/v1', 'Ingress', 'web', 'default').created(fiveMinAgo).with('spec', { tls: [{ hosts: ['a.example'] }], defaultBackend: {} }).obj(), ['web', '<none>', '*', '', '80, 443', '5m']],
    ['empty endpoints', 'Endpoints', makeObject('v1', 'Endpoints', 'web', 'default').created(fiveMinAgo).obj(), ['web', '<none>', '5m']],
    [
      'event',
      'Event',
      makeObject('v1', 'Event', 'web.1', 'default')
        .created(fiveMinAgo)
        .with('involvedObject', { kind: 'Deployment', name: 'web' })
        .with('type', 'Normal')
        .with('reason', 'ScalingReplicaSet')
        .with('message', 'Scaled up replica set web-1 to 3')
        .with('source', { component: 'deployment-controller' })
        .with('lastTimestamp', '2024-01-01T11:59:15Z')
        .with('count', 2)
        .obj(),
      ['45s', 'Normal', 'ScalingReplicaSet', 'deployment/web', 'Scaled up replica set web-1 to 3', '', 'deployment-controller', '5m', 2, 'web.1'],
    ],
    [
      'daemonset',
      'DaemonSet',
      makeObject('apps/v1', 'DaemonSet', 'agent', 'default')
        .created(fiveMinAgo)
        .with('spec', { selector: { matchLabels: { app: 'agent' } }, template: { spec: { nodeSelector: { zone: 'a', disk: 'ssd' }, containers: [{ name: 'a', image: 'agent:1' }] } } })
        .with('status', { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 1, numberAvailable: 2 })
        .obj(),
      ['agent', 3, 3, 2, 1, 2, 'disk=ssd,zone=a', '5m', 'a', 'agent:1', 'app=agent'],
    ],
    ['daemonset without status or node selector', 'DaemonSet', makeObject('apps/v1', 'DaemonSet', 'x', 'default').created(fiveMinAgo).obj(), ['x', 0, 0, 0, 0, 0, '<none>', '5m', '<none>', '<none>', '<none>']],
    [
      'statefulset',
      'StatefulSet',
      makeObject('apps/v1', 'StatefulSet', 'web', 'default').created(fiveMinAgo).with('spec', { replicas: 3, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] } } }).with('status.readyReplicas', 2).obj(),
      ['web', '2/3', '5m', 'nginx', 'nginx:1.25'],
    ],
    [
      'cronjob',
      'CronJob',
      makeObject('batch/v1', 'CronJob', 'hello', 'default')
        .created(fiveMinAgo)
        .with('spec', { schedule: '*/1 * * * *', suspend: false, jobTemplate: { spec: { template: { spec: { containers: [{ name: 'hello', image: 'busybox' }] } } } } })
        .with('status', { active: [{ name: 'hello-1' }], lastScheduleTime: '2024-01-01T11:59:00Z' })
        .obj(),
      ['hello', '*/1 * * * *', '<none>', 'False', 1, '60s', '5m', 'hello', 'busybox', '<none>'],
    ],
    [
      'suspended cronjob in a time zone, never run',
      'CronJob',
      makeObject('batch/v1', 'CronJob', 'nightly', 'default').created(fiveMinAgo).with('spec', { schedule: '@daily', timeZone: 'Europe/Berlin', suspend: true }).obj(),
      ['nightly', '@daily', 'Europe/Berlin', 'True', 0, '<none>', '5m', '<none>', '<none>', '<none>'],
    ],
    [
      'controllerrevision',
      'ControllerRevision',
      makeObject('apps/v1', 'ControllerRevision', 'agent-6d8f7b9c4', 'default')
        .created(fiveMinAgo)
        .with('metadata.ownerReferences', [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'u', controller: true }])
        .with('revision', 2)
        .obj(),
      ['agent-6d8f7b9c4', 'daemonset.apps/agent', 2, '5m'],
    ],
    ['unknown kind', 'Widget', makeObject('x/v1', 'Widget', 'w').obj(), ['w', '<unknown>']],
  ])('%s', (_name, kind, obj, expected) => {
    expect(row(kind, obj)).toEqual(expected);
  });
});

describe('podStatus', () => {
  const pod = (status: object, deleting = false) => {
    const b = makePod('p').with('status', status);
    if (deleting) b.with('metadata.deletionTimestamp', fiveMinAgo);
    return b.obj();
  };
  it.each<[string, KubeObject, string]>([
    ['phase', pod({ phase: 'Succeeded' }), 'Succeeded'],
    ['waiting reason', pod({ phase: 'Pending', containerStatuses: [{ state: { waiting: { reason: 'ContainerCreating' } } }] }), 'ContainerCreating'],
    ['terminated reason', pod({ phase: 'Succeeded', containerStatuses: [{ state: { terminated: { reason: 'Completed', exitCode: 0 } } }] }), 'Completed'],
    ['terminated without reason', pod({ phase: 'Failed', containerStatuses: [{ state: { terminated: { exitCode: 2 } } }] }), 'ExitCode:2'],
    ['pod reason', pod({ phase: 'Failed', reason: 'Evicted' }), 'Evicted'],
    ['init container running', makePod('p').with('spec.initContainers', [{ name: 'i' }]).with('status', { phase: 'Pending', initContainerStatuses: [{ state: { running: {} } }] }).obj(), 'Init:0/1'],
    ['init container failed', pod({ phase: 'Pending', initContainerStatuses: [{ state: { terminated: { exitCode: 1, reason: 'Error' } } }] }), 'Init:Error'],
    ['terminating wins', pod({ phase: 'Running', containerStatuses: [{ state: { running: {} } }] }, true), 'Terminating'],
  ])('%s', (_name, p, expected) => {
    expect(podStatus(p)).toBe(expected);
  });
});
