import { applyDefaults, defaultImagePullPolicy } from './defaults';
import { makeCronJob, makeDaemonSet, makeDeployment, makeJob, makeObject, makePod, makeReplicaSet, makeStatefulSet } from './testing/builders';

const podDefaults = {
  restartPolicy: 'Always',
  terminationGracePeriodSeconds: 30,
  dnsPolicy: 'ClusterFirst',
  schedulerName: 'default-scheduler',
  securityContext: {},
  enableServiceLinks: true,
};
const containerDefaults = { terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', resources: {} };

describe('applyDefaults', () => {
  it('defaults a pod spec and its containers', () => {
    const pod = makePod()
      .containers({ name: 'a', image: 'nginx', ports: [{ containerPort: 80 }] }, { name: 'b', image: 'nginx:1.25' })
      .with('spec.initContainers', [{ name: 'i', image: 'busybox:latest' }])
      .obj();
    expect(applyDefaults(pod).spec).toEqual({
      ...podDefaults,
      containers: [
        { name: 'a', image: 'nginx', ports: [{ containerPort: 80, protocol: 'TCP' }], imagePullPolicy: 'Always', ...containerDefaults },
        { name: 'b', image: 'nginx:1.25', imagePullPolicy: 'IfNotPresent', ...containerDefaults },
      ],
      initContainers: [{ name: 'i', image: 'busybox:latest', imagePullPolicy: 'Always', ...containerDefaults }],
    });
  });

  it('keeps values that are set', () => {
    const pod = makePod()
      .containers({ name: 'a', image: 'x', imagePullPolicy: 'Never', resources: { limits: { cpu: '1' } }, ports: [{ containerPort: 53, protocol: 'UDP' }] })
      .with('spec.restartPolicy', 'Never')
      .with('spec.terminationGracePeriodSeconds', 0)
      .obj();
    const spec = applyDefaults(pod).spec;
    expect(spec.restartPolicy).toBe('Never');
    expect(spec.terminationGracePeriodSeconds).toBe(0);
    expect(spec.containers[0]).toMatchObject({ imagePullPolicy: 'Never', resources: { limits: { cpu: '1' } }, ports: [{ protocol: 'UDP' }] });
  });

  it('does not mutate its input', () => {
    const d = makeDeployment().obj();
    const copy = structuredClone(d);
    applyDefaults(d);
    expect(d).toEqual(copy);
  });

  it('defaults a deployment and its pod template', () => {
    const spec = applyDefaults(makeDeployment().obj()).spec;
    expect(spec).toMatchObject({
      replicas: 1,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      template: { spec: { ...podDefaults, containers: [{ name: 'c', image: 'nginx:1.25', imagePullPolicy: 'IfNotPresent', ...containerDefaults }] } },
    });
  });

  it.each<[string, object, object]>([
    ['Recreate gets no rollingUpdate', { type: 'Recreate' }, { type: 'Recreate' }],
    ['a partial rollingUpdate is completed', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } }, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } }],
    ['an empty strategy becomes RollingUpdate', {}, { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } }],
  ])('deployment strategy: %s', (_name, strategy, expected) => {
    expect(applyDefaults(makeDeployment().with('spec.strategy', strategy).replicas(0).obj()).spec).toMatchObject({ strategy: expected, replicas: 0 });
    expect(applyDefaults(makeDeployment().with('spec.strategy', strategy).obj()).spec.strategy).toEqual(expected);
  });

  it('defaults a replicaset', () => {
    const spec = applyDefaults(makeReplicaSet().obj()).spec;
    expect(spec.replicas).toBe(1);
    expect(spec.template.spec.dnsPolicy).toBe('ClusterFirst');
  });

  it.each<[string, object, object]>([
    ['nothing set', {}, { completions: 1, parallelism: 1 }],
    ['parallelism only (work queue)', { parallelism: 3 }, { parallelism: 3 }],
    ['completions only', { completions: 5 }, { completions: 5, parallelism: 1 }],
  ])('defaults a job: %s', (_name, set, expected) => {
    const job = makeJob().obj();
    Object.assign(job.spec, set);
    const spec = applyDefaults(job).spec;
    expect(spec).toMatchObject({ ...expected, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false });
    if (!('completions' in expected)) expect(spec.completions).toBeUndefined();
    expect(spec.template.spec.restartPolicy).toBe('Never');
    expect(spec.selector).toEqual({ matchLabels: { app: 'job' } });
  });

  it('defaults a service', () => {
    const svc = makeObject('v1', 'Service', 'web', 'default').with('spec.ports', [{ port: 80 }, { port: 443, targetPort: 8443, protocol: 'TCP' }]).obj();
    expect(applyDefaults(svc).spec).toEqual({
      type: 'ClusterIP',
      sessionAffinity: 'None',
      internalTrafficPolicy: 'Cluster',
      ports: [
        { port: 80, targetPort: 80, protocol: 'TCP' },
        { port: 443, targetPort: 8443, protocol: 'TCP' },
      ],
    });
    expect(applyDefaults(makeObject('v1', 'Service', 'w').with('spec.type', 'NodePort').obj()).spec.externalTrafficPolicy).toBe('Cluster');
    expect(applyDefaults(makeObject('v1', 'Service', 'w').with('spec.type', 'ExternalName').obj()).spec.internalTrafficPolicy).toBeUndefined();
  });

  it('defaults a namespace (1.20 sends spec:{} status:{})', () => {
    const ns = makeObject('v1', 'Namespace', 'foo').with('spec', {}).with('status', {}).obj();
    expect(applyDefaults(ns)).toMatchObject({ spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
    const terminating = makeObject('v1', 'Namespace', 'foo').with('status', { phase: 'Terminating' }).obj();
    expect(applyDefaults(terminating).status.phase).toBe('Terminating');
  });

  it('defaults a secret type and leaves a node alone', () => {
    expect(applyDefaults(makeObject('v1', 'Secret', 's', 'default').obj()).type).toBe('Opaque');
    expect(applyDefaults(makeObject('v1', 'Secret', 's', 'default').with('type', 'kubernetes.io/tls').obj()).type).toBe('kubernetes.io/tls');
    const node = makeObject('v1', 'Node', 'n').obj();
    expect(applyDefaults(node)).toEqual(node);
  });
});

describe('applyDefaults for DaemonSet, StatefulSet and CronJob (kube 1.32)', () => {
  it('defaults a DaemonSet to RollingUpdate, one unavailable, no surge', () => {
    const spec = applyDefaults(makeDaemonSet().obj()).spec;
    expect(spec).toMatchObject({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } }, revisionHistoryLimit: 10 });
    expect(spec.template.spec).toMatchObject(podDefaults);
    expect(applyDefaults(makeDaemonSet().with('spec.updateStrategy', { type: 'OnDelete' }).obj()).spec.updateStrategy).toEqual({ type: 'OnDelete' });
  });

  it('defaults a StatefulSet like kube, recording claim templates as PVCs', () => {
    const spec = applyDefaults(makeStatefulSet().with('spec.volumeClaimTemplates', [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } }]).obj()).spec;
    expect(spec).toMatchObject({
      replicas: 1,
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      revisionHistoryLimit: 10,
      volumeClaimTemplates: [{ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], volumeMode: 'Filesystem' }, status: { phase: 'Pending' } }],
    });
    // A RollingUpdate given without rollingUpdate stays so (kube defaults the partition only into one that exists).
    expect(applyDefaults(makeStatefulSet().with('spec.updateStrategy', { type: 'RollingUpdate' }).obj()).spec.updateStrategy).toEqual({ type: 'RollingUpdate' });
  });

  it('defaults a CronJob and the pod template of its jobTemplate, not the Job spec', () => {
    const spec = applyDefaults(makeCronJob().obj()).spec;
    expect(spec).toMatchObject({ concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
    expect(spec.jobTemplate.spec.template.spec).toMatchObject({ ...podDefaults, restartPolicy: 'OnFailure' });
    expect(spec.jobTemplate.spec.backoffLimit).toBeUndefined();
  });
});

describe('defaultImagePullPolicy', () => {
  it.each([
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['nginx:1.25', 'IfNotPresent'],
    ['registry:5000/team/app', 'Always'],
    ['registry:5000/team/app:v1', 'IfNotPresent'],
    ['nginx@sha256:abc', 'IfNotPresent'],
  ])('%s → %s', (image, expected) => {
    expect(defaultImagePullPolicy(image)).toBe(expected);
  });
});
