import type { KubeObject } from '@logbook/kube';
import type { RunningHollowNodes } from '@logbook/hollow';
import { eventually, kubectlBinaries, useKubectl } from '@logbook/testing';
import { type AcceptanceCluster, InvariantWatch, podReady, podsWithLabels, startAcceptanceCluster } from './harness';

const NS = 'default';

const daemonSet = (name: string, image: string, tolerations = '') => `
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: ${name}, namespace: ${NS} }
spec:
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      ${tolerations}
      containers:
      - name: agent
        image: ${image}
`;

/** Acceptance: DaemonSets on hollow nodes, driven by real kubectl (both versions). */
describe.each(kubectlBinaries())('DaemonSet on hollow nodes (%s)', (bin) => {
  let t: AcceptanceCluster;
  let workers: RunningHollowNodes;
  let db: RunningHollowNodes;
  let late: RunningHollowNodes | undefined;

  const agents = (app = 'agent') => podsWithLabels(t.cluster, NS, { app }).filter((p) => !p.metadata.deletionTimestamp);
  /** Node → the agent pods bound there, once every one is Running and Ready. */
  const placement = (want: number, app = 'agent') =>
    eventually(
      () => {
        const pods = agents(app);
        return pods.length === want && pods.every((p) => p.spec.nodeName && p.status?.phase === 'Running' && podReady(p)) && pods.map((p) => p.spec.nodeName as string).sort();
      },
      { timeoutMs: 20_000, what: `${want} ${app} pods Running and Ready` },
    );

  beforeAll(async () => {
    useKubectl(bin);
    t = await startAcceptanceCluster({ hollowNodes: 0 });
    workers = await t.addHollowNodes('worker-', { count: 3 });
    db = await t.addHollowNodes('db-', { count: 1 });
    await t.kubectl(['taint', 'nodes', db.nodeNames[0], 'dedicated=db:NoSchedule']);
  }, 30_000);
  afterAll(async () => {
    await t?.close();
  });

  it('runs one pod per eligible node, none on a tainted node, and one on a node that joins', async () => {
    const tainted = db.nodeNames[0];
    const offLimits = new InvariantWatch(t.cluster, (_e, { after }) =>
      after?.kind === 'Pod' && after.metadata.labels?.app === 'agent' && (after.spec?.nodeName === tainted || JSON.stringify(after.spec?.affinity ?? {}).includes(`"${tainted}"`)) ? `agent pod ${after.metadata.name} aimed at ${tainted}` : undefined,
    ).start();
    try {
      await t.kubectl(['apply', '-f', '-'], { input: daemonSet('agent', 'agent:1') });
      expect(await placement(3)).toEqual([...workers.nodeNames].sort());

      const table = await t.kubectl(['get', 'ds', 'agent', '-n', NS]);
      expect(table.stdout).toMatch(/^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE\n/);
      await eventually(async () => /^agent\s+3\s+3\s+3\s+3\s+3\s+<none>\s+\d+s$/m.test((await t.kubectl(['get', 'ds', 'agent', '-n', NS])).stdout), { timeoutMs: 10_000, what: 'ds status 3/3' });

      late = await t.addHollowNodes('late-', { count: 1 });
      expect(await placement(4)).toEqual([...workers.nodeNames, ...late.nodeNames].sort());
    } finally {
      offLimits.stop();
    }
    offLimits.assertNone();

    // A DaemonSet that tolerates the taint does run there.
    await t.kubectl(['apply', '-f', '-'], { input: daemonSet('db-agent', 'agent:1', 'tolerations: [{ key: dedicated, operator: Exists }]') });
    expect(await placement(5, 'db-agent')).toContain(tainted);
    const pod = agents('db-agent').find((p) => p.spec.nodeName === tainted)!;
    expect(pod.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [tainted] }] }]);
  }, 60_000);

  it('removes the pod of a node that leaves', async () => {
    await late!.stop();
    await t.kubectl(['delete', 'node', late!.nodeNames[0]]);
    expect(await placement(3)).toEqual([...workers.nodeNames].sort());
  }, 30_000);

  it('rolls a new image out one node at a time; rollout status, history, undo and restart work', async () => {
    const nodes = new Set(workers.nodeNames);
    const readyOnWorkers = () => new Set(agents().filter((p) => nodes.has(p.spec?.nodeName) && p.status?.phase === 'Running' && podReady(p)).map((p) => p.spec.nodeName)).size;
    // maxUnavailable defaults to 1: at most one of the three nodes without a Ready agent at any time.
    const bounds = new InvariantWatch(t.cluster, (_e, { after, before }) => ((after ?? before)?.kind === 'Pod' && readyOnWorkers() < 2 ? `${readyOnWorkers()} of 3 nodes with a Ready agent` : undefined)).start();
    try {
      await t.kubectl(['set', 'image', 'ds/agent', 'agent=agent:2', '-n', NS]);
      const status = await t.kubectl(['rollout', 'status', 'ds/agent', '-n', NS, '--timeout=30s'], { timeoutMs: 40_000 });
      expect(status.stdout).toContain('daemon set "agent" successfully rolled out');
    } finally {
      bounds.stop();
    }
    bounds.assertNone();
    expect(agents().map((p) => p.spec.containers[0].image)).toEqual(['agent:2', 'agent:2', 'agent:2']);

    const history = await t.kubectl(['rollout', 'history', 'ds/agent', '-n', NS]);
    expect(history.stdout).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
    const revisions = await t.kubectl(['get', 'controllerrevisions', '-n', NS, '-l', 'app=agent']);
    expect(revisions.stdout).toMatch(/^agent-\S+\s+daemonset\.apps\/agent\s+2\s/m);

    await t.kubectl(['rollout', 'undo', 'ds/agent', '-n', NS]);
    await t.kubectl(['rollout', 'status', 'ds/agent', '-n', NS, '--timeout=30s'], { timeoutMs: 40_000 });
    await eventually(() => agents().length === 3 && agents().every((p: KubeObject) => p.spec.containers[0].image === 'agent:1' && podReady(p)), { timeoutMs: 20_000, what: 'agent:1 back on every node' });
    expect((await t.kubectl(['rollout', 'history', 'ds/agent', '-n', NS])).stdout).toMatch(/\n2\s+<none>\n3\s+<none>/);

    // rollout restart stamps the template, which is a new revision: every pod is replaced.
    const before = new Set(agents().map((p) => p.metadata.name));
    expect((await t.kubectl(['rollout', 'restart', 'ds/agent', '-n', NS])).stdout).toContain('daemonset.apps/agent restarted');
    await t.kubectl(['rollout', 'status', 'ds/agent', '-n', NS, '--timeout=30s'], { timeoutMs: 40_000 });
    await eventually(() => agents().length === 3 && agents().every((p) => !before.has(p.metadata.name) && p.metadata.annotations?.['kubectl.kubernetes.io/restartedAt'] && podReady(p)), {
      timeoutMs: 20_000,
      what: 'every agent pod replaced by the restart',
    });
  }, 60_000);

  it('deleting the DaemonSet deletes its pods and revisions (garbage collector)', async () => {
    await t.kubectl(['delete', 'ds', 'agent', '-n', NS]);
    await eventually(() => podsWithLabels(t.cluster, NS, { app: 'agent' }).length === 0 && t.cluster.projector.state.list('ControllerRevision', { namespace: NS }).every((r) => r.metadata.labels?.app !== 'agent'), {
      timeoutMs: 15_000,
      what: 'agent pods and revisions gone',
    });
  }, 30_000);
});
