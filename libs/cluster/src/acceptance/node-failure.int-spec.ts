import type { KubeObject } from '@logbook/kube';
import { eventually } from '@logbook/testing';
import { type AcceptanceCluster, InvariantWatch, podReady, podsWithLabels, readStream, startAcceptanceCluster } from './harness';

const NS = 'default';
const REPLICAS = 6;

const deployment = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${NS}
spec:
  replicas: ${REPLICAS}
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
      - name: web
        image: nginx:1.25
        resources:
          requests: { cpu: 100m }
`;

const readyStatus = (node: KubeObject | undefined) => node?.status?.conditions?.find((c: { type: string }) => c.type === 'Ready')?.status;
const unreachableNoExecute = (node: KubeObject | undefined) =>
  node?.spec?.taints?.some((t: { key: string; effect: string }) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute') ?? false;

/** Acceptance (issue 4): a node stops heartbeating; it becomes NotReady, its pods are evicted and recreated on the other nodes. */
describe('A node that stops heartbeating', () => {
  let t: AcceptanceCluster;
  let dead: string | undefined;

  beforeAll(async () => {
    // Heartbeat times have second precision: a live node's last beat can look ~1.3 s old, so the
    // grace period keeps a margin above that.
    t = await startAcceptanceCluster({ hollowNodes: 3, hollowHeartbeatMs: 300, nodeGracePeriodMs: 2_000, defaultEvictionSeconds: 1 });
  }, 30_000);
  afterAll(async () => {
    await t?.close();
  });

  const webPods = () => podsWithLabels(t.cluster, NS, { app: 'web' });
  const node = (name: string) => t.cluster.projector.state.get('Node', undefined, name);

  it('becomes NotReady with the unreachable taint; its pods are evicted and replaced on the other nodes', async () => {
    await t.kubectl(['apply', '-f', '-'], { input: deployment });
    await t.kubectl(['rollout', 'status', 'deployment/web', '-n', NS, '--timeout=30s'], { timeoutMs: 40_000 });
    const nodes = t.cluster.hollow!.nodeNames;
    expect(nodes).toHaveLength(3);
    const victim = webPods()[0].spec.nodeName as string;
    const survivors = nodes.filter((n) => n !== victim);
    const victimPods = webPods()
      .filter((p) => p.spec.nodeName === victim)
      .map((p) => p.metadata.name!);
    expect(victimPods.length).toBeGreaterThan(0);

    // On every change: the live nodes stay Ready, and nothing is bound to the victim once it is Unknown.
    let victimDown = false;
    const watch = new InvariantWatch(t.cluster, (_event, change) => {
      const obj = change.after;
      if (obj?.kind === 'Node' && survivors.includes(obj.metadata.name!) && readyStatus(obj) !== 'True') return `${obj.metadata.name} Ready=${readyStatus(obj)}`;
      if (obj?.kind === 'Node' && obj.metadata.name === victim && readyStatus(obj) === 'Unknown') victimDown = true;
      if (victimDown && obj?.kind === 'Pod' && obj.spec.nodeName === victim && !change.before?.spec?.nodeName) return `${obj.metadata.name} bound to the dead node`;
      return undefined;
    }).start();
    try {
      t.cluster.hollow!.pause(victim);
      dead = victim;

      await eventually(() => readyStatus(node(victim)) === 'Unknown' && unreachableNoExecute(node(victim)), { what: `${victim} Unknown with the unreachable NoExecute taint`, timeoutMs: 15_000 });
      const described = JSON.parse((await t.kubectl(['get', 'node', victim, '-o', 'json'])).stdout);
      expect(readyStatus(described)).toBe('Unknown');
      expect(described.spec.taints).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' })]));

      // Its pods are evicted (deleted by the controller manager) and replaced elsewhere.
      await eventually(
        () => {
          const pods = webPods();
          return pods.length === REPLICAS && pods.every((p) => podReady(p) && p.spec.nodeName !== victim);
        },
        { what: `${REPLICAS} ready pods, none on ${victim}`, timeoutMs: 20_000 },
      );
      const remaining = new Set(webPods().map((p) => p.metadata.name));
      for (const name of victimPods) expect(remaining.has(name)).toBe(false);
      const evicted = await readStream(t.cluster, `Pod/${NS}/${victimPods[0]}`);
      expect(evicted[evicted.length - 1]).toMatchObject({ type: 'ObjectDeleted', metadata: expect.objectContaining({ actor: 'system:kube-controller-manager' }) });

      const status = await t.kubectl(['rollout', 'status', 'deployment/web', '-n', NS, '--timeout=20s'], { timeoutMs: 30_000 });
      expect(status.stdout).toContain('successfully rolled out');
      const got = await t.kubectl(['get', 'deployment', 'web', '-n', NS]);
      expect(got.stdout).toMatch(/^web\s+6\/6\s+6\s+6\s/m);
    } finally {
      watch.stop();
    }
    watch.assertNone();
  }, 60_000);

  it('shows the dead node as NotReady in kubectl get nodes, as kube prints Ready=Unknown', async () => {
    expect(dead).toBeDefined();
    const listed = await t.kubectl(['get', 'nodes']);
    expect(listed.stdout).toMatch(new RegExp(`^${dead}\\s+NotReady\\s`, 'm'));
    for (const n of t.cluster.hollow!.nodeNames.filter((n) => n !== dead)) expect(listed.stdout).toMatch(new RegExp(`^${n}\\s+Ready\\s`, 'm'));
  });
});
