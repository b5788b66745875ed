import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeWithKafka } from '../../../libs/bus/src/testing/kafka-for-tests';
import { describeWithContainers, eventually, freeClusterCIDR, hostLeftovers, kubectl, makeTmpDir, randomName, removeContainerCluster, runLogbook, startContainerCluster } from '@logbook/testing';
import { startDistributed } from './distributed.test-kit';

jest.setTimeout(300_000);

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * The pod's own process, with the official Python client's in-cluster configuration (its
 * service account's projected token, ca.crt and KUBERNETES_SERVICE_HOST/PORT): lists the pods
 * of its namespace and of OTHER, prints what each answered as one JSON line, then waits.
 */
const CLIENT = `
import json, os, time
from kubernetes import client, config
from kubernetes.client.rest import ApiException
config.load_incluster_config()
api = client.CoreV1Api()
own = open('${SA_DIR}/namespace').read()
def attempt(ns):
    try:
        return {'ns': ns, 'pods': sorted(p.metadata.name for p in api.list_namespaced_pod(ns).items)}
    except ApiException as e:
        return {'ns': ns, 'status': e.status, 'message': json.loads(e.body or '{}').get('message')}
print('RESULT ' + json.dumps([attempt(own), attempt(os.environ['OTHER'])]), flush=True)
time.sleep(3600)
`;

/** What the scenario needs of a cluster: kubectl through its admin kubeconfig. */
interface Cluster {
  readonly kubeconfig: string;
  ok(args: string[], input?: string): Promise<string>;
  json(args: string[]): Promise<any>;
}

/**
 * Issue 12's service-account acceptance on a real containerd with real kubectl: a pod's process
 * uses the Python client's in-cluster configuration to list pods in its own namespace (allowed
 * by a Role) and is refused (403) in another; its projected files are there, on tmpfs; the token
 * stops working (401) once the pod is deleted. Run in `logbook up` (the node agent's in-process
 * client asks for the token) and distributed (its node certificate over HTTPS, under the Node
 * authorizer; the relay dials --api).
 */
function inClusterScenario(clusterOf: () => Cluster, dataDir: () => string, cacheDir: () => string): void {
  /** A kubeconfig that authenticates with nothing but `token`, against this cluster's server and CA. */
  const tokenKubeconfig = async (token: string) => {
    const admin = JSON.parse(await clusterOf().ok(['config', 'view', '--raw', '--minify', '-o', 'json']));
    const file = join(dataDir(), `${randomName('sa')}.kubeconfig.json`);
    const cluster = admin.clusters[0].cluster;
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: cluster.server, 'certificate-authority-data': cluster['certificate-authority-data'] } }],
        users: [{ name: 'sa', user: { token } }],
        contexts: [{ name: 'sa', context: { cluster: 'c', user: 'sa' } }],
        'current-context': 'sa',
      }),
      { mode: 0o600 },
    );
    return file;
  };

  it("lists its own namespace's pods through load_incluster_config, gets 403 elsewhere, and its token dies with the pod", async () => {
    const c = clusterOf();
    const pod = randomName('client');
    const ns = randomName('sa-own');
    const other = randomName('sa-other');
    await c.ok(['create', 'namespace', ns]);
    await c.ok(['create', 'namespace', other]);
    await c.ok(['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'reader', namespace: ns } },
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'pod-reader', namespace: ns }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: 'reader-reads-pods', namespace: ns },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
          subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: ns }],
        },
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: pod, namespace: ns },
          spec: {
            serviceAccountName: 'reader',
            terminationGracePeriodSeconds: 1,
            containers: [{ name: 'client', image: 'logbook/python:3.11', command: ['python3', '-c', CLIENT], env: [{ name: 'OTHER', value: other }] }],
          },
        },
      ],
    }));

    const logs = await eventually(
      async () => {
        const r = await kubectl(c.kubeconfig, ['logs', '-n', ns, pod], { cacheDir: cacheDir() });
        return r.code === 0 && /^RESULT /m.test(r.stdout) && r.stdout;
      },
      { timeoutMs: 180_000, intervalMs: 1000, what: `the client pod's answer` },
    ).catch(async (err: Error) => {
      const described = await kubectl(c.kubeconfig, ['describe', 'pod', '-n', ns, pod], { cacheDir: cacheDir() });
      const logsNow = await kubectl(c.kubeconfig, ['logs', '-n', ns, pod], { cacheDir: cacheDir() });
      throw new Error(`${err.message}\n${described.stdout}\n${logsNow.stdout}${logsNow.stderr}`);
    });
    const [mine, theirs] = JSON.parse(/^RESULT (.*)$/m.exec(logs)![1]);
    expect(mine).toEqual({ ns, pods: [pod] });
    expect(theirs).toEqual({
      ns: other,
      status: 403,
      message: `pods is forbidden: User "system:serviceaccount:${ns}:reader" cannot list resource "pods" in API group "" in the namespace "${other}"`,
    });

    // The projected files, and what the pod was told about where the API server is.
    const exec = (...cmd: string[]) => c.ok(['exec', '-n', ns, pod, '--', ...cmd]);
    expect((await exec('ls', SA_DIR)).split(/\s+/).filter(Boolean).sort()).toEqual(['ca.crt', 'namespace', 'token']);
    expect(await exec('cat', `${SA_DIR}/namespace`)).toBe(ns);
    const caInPod = await exec('cat', `${SA_DIR}/ca.crt`);
    expect(caInPod).toContain('-----BEGIN CERTIFICATE-----');
    const env = await exec('env');
    expect(env).toMatch(/^KUBERNETES_SERVICE_HOST=kubernetes\.default\.svc$/m);
    expect(env).toMatch(/^KUBERNETES_SERVICE_PORT=443$/m);
    expect(env).toMatch(/^KUBERNETES_PORT_443_TCP=tcp:\/\/kubernetes\.default\.svc:443$/m);
    expect(await exec('cat', '/etc/hosts')).toMatch(/^10\.\S+\tkubernetes\tkubernetes\.default\tkubernetes\.default\.svc\tkubernetes\.default\.svc\.cluster\.local$/m);
    const token = await exec('cat', `${SA_DIR}/token`);
    expect(token.split('.')).toHaveLength(3);

    // Token and secret files live in memory: the volume is a tmpfs of its own, not the node's disk.
    const uid = (await c.json(['get', 'pod', '-n', ns, pod])).metadata.uid;
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' '));
    const volume = mounts.find((f) => f[4]?.includes(`/pods/${uid}/volumes/kubernetes.io~projected/kube-api-access-`));
    expect(volume).toBeDefined();
    expect(volume![volume!.indexOf('-') + 1]).toBe('tmpfs');

    // The same token from outside the pod: accepted while the pod lives, 401 once it is deleted.
    const asPod = await tokenKubeconfig(token);
    const listed = await kubectl(asPod, ['get', 'pods', '-n', ns, '-o', 'name'], { cacheDir: cacheDir() });
    expect(listed.stdout.trim()).toBe(`pod/${pod}`);
    await c.ok(['delete', 'pod', '-n', ns, pod, '--wait=true']);
    const refused = await kubectl(asPod, ['get', 'pods', '-n', ns], { cacheDir: cacheDir() });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/Unauthorized/);

    // Its volume went with it: no tmpfs of the pod is left mounted.
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(`/pods/${uid}/`);
    await c.ok(['delete', 'namespace', ns, other, '--wait=false']);
  });
}

describeWithContainers('service accounts inside container pods', () => {
  describe('logbook up', () => {
    const dir = makeTmpDir('logbook-in-cluster-');
    const cache = makeTmpDir('kubectl-cache-');
    let c: Awaited<ReturnType<typeof startContainerCluster>> | undefined;

    beforeAll(async () => {
      c = await startContainerCluster(dir.path, cache.path);
    }, 180_000);

    afterAll(async () => {
      if (c) await removeContainerCluster(c, dir.path);
      dir.remove();
      cache.remove();
    }, 180_000);

    inClusterScenario(() => c!, () => dir.path, () => cache.path);
  });

  describeWithKafka('logbook up --distributed', () => {
    const dir = makeTmpDir('logbook-in-cluster-dist-');
    const cache = makeTmpDir('kubectl-cache-');
    const clusterCIDR = freeClusterCIDR();
    const node = randomName('n');
    let cluster: Cluster | undefined;
    let stop: (() => Promise<unknown>) | undefined;

    beforeAll(async () => {
      const d = await startDistributed(dir.path, `${randomName('sa')}.`, [
        '--node-name', node, '--node-agents', '1', '--schedulers', '1', '--controller-managers', '1',
        '--runtime', 'containerd', '--registry', '--registry-address', '127.0.0.1:0', '--cluster-cidr', clusterCIDR,
      ]);
      stop = () => d.stop();
      const ok = async (args: string[], input?: string) => {
        const r = await kubectl(d.kubeconfig, args, { input, cacheDir: cache.path });
        if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
        return r.stdout;
      };
      cluster = { kubeconfig: d.kubeconfig, ok, json: async (args) => JSON.parse(await ok([...args, '-o', 'json'])) };
    }, 400_000);

    afterAll(async () => {
      const down = await runLogbook(['down', '--data-dir', dir.path]);
      await stop?.();
      expect(down.code).toBe(0);
      expect(hostLeftovers(dir.path, clusterCIDR, [join(dir.path, 'nodes', `${node}-1`)])).toEqual([]);
      dir.remove();
      cache.remove();
    }, 180_000);

    inClusterScenario(() => cluster!, () => dir.path, () => cache.path);
  });
});
