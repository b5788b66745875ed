import type { KubeObject } from '@logbook/kube';
import { eventually, kubectl, makeTmpDir, randomName, runLogbook, startLogbook, type KubectlResult, type LogbookProcess } from '@logbook/testing';

jest.setTimeout(120_000);

const privilegedPod = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'], securityContext: { privileged: true } }] },
});
const plainPod = (name: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }], ...extra },
});

/**
 * The admission plugins of docs/security.md through real kubectl against `logbook up`:
 * PodSecurity refuses and warns in kube's words, ResourceQuota refuses the pod over quota and
 * `kubectl get quota` shows what is used, LimitRange defaults land in the stored pod, and every
 * pod runs as a service account with its token volume.
 */
describe('admission plugins through kubectl', () => {
  const dir = makeTmpDir('logbook-admission-');
  const cache = makeTmpDir('kubectl-cache-');
  const namespaces: string[] = [];
  let cluster: LogbookProcess;

  const run = (args: string[], input?: unknown): Promise<KubectlResult> => kubectl(cluster.kubeconfig, args, { input: input === undefined ? undefined : JSON.stringify(input), cacheDir: cache.path });
  const ok = async (args: string[], input?: unknown): Promise<KubectlResult> => {
    const r = await run(args, input);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r;
  };
  const namespace = async (prefix: string, labels: Record<string, string> = {}): Promise<string> => {
    const ns = randomName(prefix);
    namespaces.push(ns);
    await ok(['apply', '-f', '-'], { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels } });
    return ns;
  };
  const getJson = async (args: string[]): Promise<any> => JSON.parse((await ok([...args, '-o', 'json'])).stdout);

  beforeAll(async () => {
    cluster = await startLogbook(dir.path);
  });

  afterAll(async () => {
    if (cluster) for (const ns of namespaces) await run(['delete', 'namespace', ns, '--wait=false']);
    await cluster?.stop();
    await runLogbook(['down', '--data-dir', dir.path]);
    dir.remove();
    cache.remove();
  });

  describe('PodSecurity', () => {
    it('refuses a privileged pod in a restricted namespace with kube`s message, and stores nothing', async () => {
      const ns = await namespace('psa', { 'pod-security.kubernetes.io/enforce': 'restricted' });
      const r = await run(['apply', '-n', ns, '-f', '-'], privilegedPod('p'));
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(
        'pods "p" is forbidden: violates PodSecurity "restricted:latest": privileged (container "c" must not set securityContext.privileged=true), allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false)',
      );
      expect((await run(['get', 'pod', 'p', '-n', ns])).stderr).toContain('pods "p" not found');
    });

    it('warns in a namespace that only warns, through kubectl`s stderr, and admits the pod', async () => {
      const ns = await namespace('psa-warn', { 'pod-security.kubernetes.io/warn': 'baseline' });
      const r = await ok(['apply', '-n', ns, '-f', '-'], privilegedPod('p'));
      expect(r.stderr).toContain('Warning: would violate PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)');
      expect((await getJson(['get', 'pod', 'p', '-n', ns])).metadata.name).toBe('p');
    });

    it('warns about the pods already there when a namespace`s enforce level is raised', async () => {
      const ns = await namespace('psa-label');
      await ok(['apply', '-n', ns, '-f', '-'], privilegedPod('old'));
      const r = await ok(['label', 'namespace', ns, 'pod-security.kubernetes.io/enforce=baseline']);
      expect(r.stderr).toContain(`Warning: existing pods in namespace "${ns}" violate the new PodSecurity enforce level "baseline:latest"`);
      expect(r.stderr).toContain('Warning: old: privileged');
    });
  });

  describe('ResourceQuota', () => {
    it('refuses the pod over quota, and kubectl get quota shows what is used', async () => {
      const ns = await namespace('quota');
      await ok(['apply', '-n', ns, '-f', '-'], { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q1' }, spec: { hard: { pods: '1', configmaps: '10' } } });
      await ok(['apply', '-n', ns, '-f', '-'], plainPod('a'));
      const r = await run(['apply', '-n', ns, '-f', '-'], plainPod('b'));
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('pods "b" is forbidden: exceeded quota: q1, requested: pods=1, used: pods=1, limited: pods=1');
      // The quota controller counts the namespace's kube-root-ca.crt too, once it is published.
      const line = await eventually(
        async () => {
          const out = (await ok(['get', 'quota', 'q1', '-n', ns])).stdout;
          return /pods: 1\/1/.test(out) && /configmaps: 1\/10/.test(out) ? out : undefined;
        },
        { timeoutMs: 30_000, what: 'kubectl get quota to show pods: 1/1' },
      );
      expect(line.split('\n')[0]).toMatch(/^NAME\s+AGE\s+REQUEST\s+LIMIT/);
      expect((await ok(['describe', 'quota', 'q1', '-n', ns])).stdout).toMatch(/Resource\s+Used\s+Hard[\s\S]*pods\s+1\s+1/);
    });
  });

  describe('LimitRange', () => {
    it('gives a pod without resources the range`s defaults, and refuses one over its max', async () => {
      const ns = await namespace('limits');
      await ok(['apply', '-n', ns, '-f', '-'], {
        apiVersion: 'v1',
        kind: 'LimitRange',
        metadata: { name: 'lr' },
        spec: { limits: [{ type: 'Container', default: { cpu: '500m', memory: '128Mi' }, defaultRequest: { cpu: '100m' }, max: { cpu: '1' } }] },
      });
      await ok(['apply', '-n', ns, '-f', '-'], plainPod('p'));
      const pod = await getJson(['get', 'pod', 'p', '-n', ns]);
      expect(pod.spec.containers[0].resources).toEqual({ limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m', memory: '128Mi' } });
      expect(pod.metadata.annotations['kubernetes.io/limit-ranger']).toBe('LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c');
      const big = plainPod('big');
      big.spec.containers[0].resources = { limits: { cpu: '2' } };
      const r = await run(['apply', '-n', ns, '-f', '-'], big);
      expect(r.stderr).toContain('pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2');
    });
  });

  describe('ServiceAccount', () => {
    it('runs pods as default with the token volume, gives every namespace its default account and CA, and refuses a missing account', async () => {
      const ns = await namespace('sa');
      await ok(['apply', '-n', ns, '-f', '-'], plainPod('p'));
      const pod = await getJson(['get', 'pod', 'p', '-n', ns]);
      expect(pod.spec.serviceAccountName).toBe('default');
      const volume = pod.spec.volumes.find((v: any) => v.name.startsWith('kube-api-access-'));
      expect(volume.projected.sources.map((s: any) => Object.keys(s)[0])).toEqual(['serviceAccountToken', 'configMap', 'downwardAPI']);
      expect(pod.spec.containers[0].volumeMounts).toEqual([{ name: volume.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
      await eventually(async () => (await run(['get', 'serviceaccount', 'default', '-n', ns])).code === 0, { timeoutMs: 30_000, what: `the default ServiceAccount of ${ns}` });
      const ca = await eventually(async () => (await run(['get', 'configmap', 'kube-root-ca.crt', '-n', ns, '-o', 'jsonpath={.data.ca\\.crt}'])).stdout, { timeoutMs: 30_000, what: `kube-root-ca.crt in ${ns}` });
      expect(ca).toContain('-----BEGIN CERTIFICATE-----');
      const r = await run(['apply', '-n', ns, '-f', '-'], plainPod('robot', { serviceAccountName: 'robot' }));
      expect(r.stderr).toContain(`pods "robot" is forbidden: error looking up service account ${ns}/robot: serviceaccount "robot" not found`);
    });
  });
});
