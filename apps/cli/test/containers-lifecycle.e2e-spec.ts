import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { containerdSocketPath } from '@logbook/runtime';
import {
  type ContainerCluster,
  describeWithContainers,
  eventually,
  freeClusterCIDR,
  hostLeftovers,
  kubectl,
  makeTmpDir,
  randomName,
  readyPods,
  runLogbook,
  startContainerCluster,
  webWorkload,
  fetchText,
  inCidr,
} from '@logbook/testing';
import { CriClient } from '../../../libs/runtime/src/cri/cri-client';
import { describeWithKafka } from '../../../libs/bus/src/testing/kafka-for-tests';
import { startDistributed, type DistributedProcess } from './distributed.test-kit';

jest.setTimeout(300_000);

const POD_UID = 'io.kubernetes.pod.uid';

/** What containerd runs, seen through CRI: sandboxes and containers by pod uid. */
async function criView(socket: string): Promise<{ sandboxes: { id: string; uid: string; state: string }[]; containers: { id: string; uid: string; name: string; attempt: number; state: string }[] }> {
  const cri = new CriClient({ socketPath: socket, deadlineMs: 10_000 });
  try {
    const sandboxes = (await cri.listPodSandbox()).map((s) => ({ id: s.id, uid: s.labels[POD_UID] ?? s.metadata.uid, state: s.state }));
    const containers = (await cri.listContainers()).map((c) => ({ id: c.id, uid: c.labels[POD_UID] ?? '', name: c.metadata.name, attempt: c.metadata.attempt, state: c.state }));
    return { sandboxes, containers };
  } finally {
    cri.close();
  }
}

interface Recorded {
  readonly name: string;
  readonly uid: string;
  readonly podIP: string;
  readonly containers: { name: string; containerID: string; restartCount: number }[];
}

const record = (pod: any): Recorded => ({
  name: pod.metadata.name,
  uid: pod.metadata.uid,
  podIP: pod.status.podIP,
  containers: pod.status.containerStatuses.map((s: any) => ({ name: s.name, containerID: s.containerID, restartCount: s.restartCount })).sort((a: any, b: any) => a.name.localeCompare(b.name)),
});

// Fails its first run (restartCount 1 afterwards), then sleeps: an exited attempt stays in CRI.
const ONCE = ['sh', '-c', 'if [ ! -e /state/once ]; then touch /state/once; exit 3; fi; exec sleep 3600'];

/**
 * Issue 11's acceptance of adoption: `logbook up` (its node agent) SIGKILLed leaves its containers
 * running under containerd; `logbook up` again adopts them — same container IDs, restart counts
 * and pod IPs, one sandbox per pod, no duplicate and no orphan — and `logbook down` then leaves
 * nothing behind (checked with the CRI, `ip netns`, the mount table, links and routes).
 */
describeWithContainers('node agent SIGKILLed and restarted: containers keep running and are adopted (containerd)', () => {
  const dir = makeTmpDir('logbook-lifecycle-');
  const cache = makeTmpDir('kubectl-cache-');
  const app = randomName('web');
  const lone = randomName('lone');
  const socket = () => containerdSocketPath(join(dir.path, 'node', 'containerd'));
  let c: ContainerCluster | undefined;
  let clusterCIDR = '';
  let before: Recorded[] = [];
  let downRan = false;

  beforeAll(async () => {
    c = await startContainerCluster(dir.path, cache.path);
    clusterCIDR = c.clusterCIDR;
    const workload = webWorkload(app, 2);
    workload.items.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: lone, namespace: 'default', labels: { app: lone } },
      spec: {
        restartPolicy: 'Always',
        terminationGracePeriodSeconds: 1,
        volumes: [{ name: 'state', emptyDir: {} }],
        containers: [{ name: 'main', image: 'busybox', command: ONCE, volumeMounts: [{ name: 'state', mountPath: '/state' }] }],
      },
    });
    await c.ok(['apply', '-f', '-'], JSON.stringify(workload));
    await readyPods(c, app, 2, 180_000);
    await eventually(async () => (await readyPods(c!, lone, 1)).every((p) => p.status.containerStatuses[0].restartCount === 1), { timeoutMs: 60_000, intervalMs: 500, what: `${lone} restarted once and running` });
  }, 400_000);

  afterAll(async () => {
    if (!downRan) await runLogbook(['down', '--data-dir', dir.path]);
    await c?.stop('SIGKILL');
    dir.remove();
    cache.remove();
  }, 180_000);

  it('keeps the containers running while logbook up is killed, and adopts them when it starts again', async () => {
    const pods = [...(await readyPods(c!, app, 2)), ...(await readyPods(c!, lone, 1))];
    before = pods.map(record).sort((a, b) => a.name.localeCompare(b.name));
    const criBefore = await criView(socket());
    const uids = new Set(before.map((p) => p.uid));
    expect(criBefore.sandboxes.filter((s) => uids.has(s.uid) && s.state === 'SANDBOX_READY')).toHaveLength(3);

    const containerdPid = () => JSON.parse(readFileSync(join(dir.path, 'node', 'containerd', 'containerd.json'), 'utf8')).pid as number;
    const pidBefore = containerdPid();
    expect(await c!.stop('SIGKILL')).toBeNull();
    // The agent is gone; its containerd (detached) and the containers under their shims are not.
    const down = await criView(socket());
    for (const p of before) {
      for (const s of p.containers) {
        const id = s.containerID.replace(/^containerd:\/\//, '');
        expect(down.containers.find((x) => x.id === id)?.state).toBe('CONTAINER_RUNNING');
      }
    }

    c = await c!.restart();
    // The registry came back on another port (127.0.0.1:0): only the hosts directory changed, so
    // the running containerd was kept.
    expect(containerdPid()).toBe(pidBefore);
    // A pod created after the restart runs only once the agent follows its pods again, after adoption.
    const probe = randomName('after');
    await c.ok(['run', probe, '--image', 'busybox', '--restart', 'Never', '--labels', `app=${probe}`, '--command', '--', 'sleep', '3600']);
    await readyPods(c, probe, 1, 120_000);

    const after = [...(await readyPods(c, app, 2)), ...(await readyPods(c, lone, 1))].map(record).sort((a, b) => a.name.localeCompare(b.name));
    expect(after).toEqual(before);

    // containerd has exactly what it had, plus the new pod: no second sandbox, no new attempt, no orphan.
    const now = await criView(socket());
    const probeUid = (await c.json(['get', 'pod', probe])).metadata.uid;
    const key = (x: { id: string }) => x.id;
    expect(now.sandboxes.filter((s) => s.uid !== probeUid).map(key).sort()).toEqual(criBefore.sandboxes.map(key).sort());
    expect(now.containers.filter((x) => x.uid !== probeUid).map((x) => `${x.id} ${x.name}#${x.attempt}`).sort()).toEqual(criBefore.containers.map((x) => `${x.id} ${x.name}#${x.attempt}`).sort());
    for (const uid of [...uids, probeUid]) expect(now.sandboxes.filter((s) => s.uid === uid && s.state === 'SANDBOX_READY')).toHaveLength(1);
    expect(now.sandboxes.every((s) => s.state === 'SANDBOX_READY')).toBe(true);
  });

  it('still answers on the Service from both adopted pods', async () => {
    const svc = await c!.json(['get', 'service', app]);
    const names = new Set(before.filter((p) => p.name.startsWith(app)).map((p) => p.name));
    const seen = new Set<string>();
    await eventually(
      async () => {
        for (let i = 0; i < 8; i++) seen.add((await fetchText(`http://${svc.spec.clusterIP}/`)).trim());
        return [...names].every((n) => seen.has(n));
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'answers from both adopted pods' },
    );
    expect([...seen].every((n) => names.has(n))).toBe(true);
    // exec reaches an adopted container through the new agent.
    expect(await c!.ok(['exec', [...names][0], '--', 'hostname'])).toBe(`${[...names][0]}\n`);
  });

  it('logbook down leaves nothing behind: no containerd, CRI socket, shim, mount, netns, bridge or route', async () => {
    const down = await runLogbook(['down', '--data-dir', dir.path]);
    downRan = true;
    expect(down.code).toBe(0);
    await c!.stop();
    expect(existsSync(socket())).toBe(false);
    expect(hostLeftovers(dir.path, clusterCIDR)).toEqual([]);
  });
});

/**
 * Issue 11: "in --distributed mode each node agent has its own containerd, so two agents are two
 * real nodes" — each its own podCIDR from the cluster CIDR, its own containerd socket and bridge;
 * pods spread by anti-affinity run on their node's containerd with an IP of that node's podCIDR;
 * `logbook down` leaves nothing of either node behind.
 */
describeWithContainers('logbook up --distributed with containerd: two node agents are two real nodes', () => {
  describeWithKafka('two node agents, each with its own containerd', () => {
    const dir = makeTmpDir('logbook-dist-ctr-');
    const cache = makeTmpDir('kubectl-cache-');
    const prefix = `${randomName('dc')}.`;
    const node = randomName('n');
    const app = randomName('spread');
    const names = [`${node}-1`, `${node}-2`];
    const stateDirs = names.map((n) => join(dir.path, 'nodes', n));
    const socketOf = (n: number) => containerdSocketPath(join(stateDirs[n], 'containerd'));
    const clusterCIDR = freeClusterCIDR();
    let cluster: DistributedProcess | undefined;
    let downRan = false;
    const ok = async (args: string[], input?: string) => {
      const r = await kubectl(cluster!.kubeconfig, args, { input, cacheDir: cache.path });
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
      return r.stdout;
    };
    const json = async (args: string[]) => JSON.parse(await ok([...args, '-o', 'json']));

    beforeAll(async () => {
      cluster = await startDistributed(dir.path, prefix, [
        '--node-name', node, '--node-agents', '2', '--schedulers', '1', '--controller-managers', '1',
        '--runtime', 'containerd', '--registry', '--registry-address', '127.0.0.1:0', '--cluster-cidr', clusterCIDR,
      ]);
    }, 400_000);

    afterAll(async () => {
      if (!downRan) await runLogbook(['down', '--data-dir', dir.path]);
      await cluster?.stop('SIGKILL');
      dir.remove();
      cache.remove();
    }, 180_000);

    it('registers two Nodes, each with its own podCIDR of the cluster CIDR and its own containerd', async () => {
      const nodes = await eventually(
        async () => {
          const items: any[] = (await json(['get', 'nodes'])).items.filter((n: any) => names.includes(n.metadata.name));
          return items.length === 2 && items.every((n) => n.spec?.podCIDR && n.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True')) && items;
        },
        { timeoutMs: 60_000, intervalMs: 500, what: 'two Ready nodes with a podCIDR' },
      );
      const cidrs = nodes.map((n: any) => n.spec.podCIDR);
      expect(new Set(cidrs).size).toBe(2);
      for (const cidr of cidrs) expect(inCidr(cidr.split('/')[0], clusterCIDR)).toBe(true);
      for (const n of nodes) expect(n.status.nodeInfo?.containerRuntimeVersion ?? '').toMatch(/^containerd:\/\//);
      expect(socketOf(0)).not.toBe(socketOf(1));
      for (const i of [0, 1]) {
        const cri = new CriClient({ socketPath: socketOf(i), deadlineMs: 5_000 });
        try {
          expect((await cri.version()).runtimeName).toBe('containerd');
        } finally {
          cri.close();
        }
      }
    });

    it('spreads a Deployment of 2 by anti-affinity: one pod on each node\'s containerd, IPs in its podCIDR, exec on both', async () => {
      await ok(['apply', '-f', '-'], JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: app, namespace: 'default' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app } },
          template: {
            metadata: { labels: { app } },
            spec: {
              terminationGracePeriodSeconds: 1,
              affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app } }, topologyKey: 'kubernetes.io/hostname' }] } },
              containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }],
            },
          },
        },
      }));
      const pods: any[] = await eventually(
        async () => {
          const items: any[] = (await json(['get', 'pods', '-l', `app=${app}`])).items;
          return items.length === 2 && items.every((p) => p.status?.phase === 'Running' && (p.status.containerStatuses ?? []).every((s: any) => s.ready)) && items;
        },
        { timeoutMs: 180_000, intervalMs: 500, what: `2 running pods of ${app}` },
      );
      expect(pods.map((p) => p.spec.nodeName).sort()).toEqual([...names].sort());
      for (const pod of pods) {
        const i = names.indexOf(pod.spec.nodeName);
        const nodeObj = await json(['get', 'node', pod.spec.nodeName]);
        expect(inCidr(pod.status.podIP, nodeObj.spec.podCIDR)).toBe(true);
        expect(await ok(['exec', pod.metadata.name, '--', 'hostname'])).toBe(`${pod.metadata.name}\n`);
        // The pod's sandbox is on its own node's containerd, and only there.
        const mine = await criView(socketOf(i));
        const other = await criView(socketOf(1 - i));
        expect(mine.sandboxes.filter((s) => s.uid === pod.metadata.uid && s.state === 'SANDBOX_READY')).toHaveLength(1);
        expect(other.sandboxes.filter((s) => s.uid === pod.metadata.uid)).toHaveLength(0);
        expect(mine.containers.find((x) => `containerd://${x.id}` === pod.status.containerStatuses[0].containerID)?.state).toBe('CONTAINER_RUNNING');
      }
    });

    it('logbook down leaves nothing of either node behind', async () => {
      const down = await runLogbook(['down', '--data-dir', dir.path]);
      downRan = true;
      expect(down.code).toBe(0);
      await cluster!.stop();
      expect(hostLeftovers(dir.path, clusterCIDR, stateDirs)).toEqual([]);
    });
  });
});
