import { eventually } from '@logbook/testing';
import { type AcceptanceCluster, readStream, startAcceptanceCluster } from './harness';

const NS = 'default';

const hugePod = `
apiVersion: v1
kind: Pod
metadata:
  name: huge
  namespace: ${NS}
spec:
  containers:
  - name: main
    image: busybox
    resources:
      requests: { cpu: "64" }
`;

/** Acceptance (issue 4): a pod that fits nowhere stays Pending with the reasons, and is bound once a big-enough node registers. */
describe('A pod whose requests fit nowhere', () => {
  let t: AcceptanceCluster;

  beforeAll(async () => {
    t = await startAcceptanceCluster({ hollowNodes: 3, hollowHeartbeatMs: 100 });
  }, 30_000);
  afterAll(async () => {
    await t?.close();
  });

  const getPod = async () => JSON.parse((await t.kubectl(['get', 'pod', 'huge', '-n', NS, '-o', 'json'])).stdout);
  const scheduledCondition = (pod: any) => pod.status?.conditions?.find((c: { type: string }) => c.type === 'PodScheduled');

  it('stays Pending with PodScheduled=False and the filter reasons, then is bound and Running on a 128-CPU node', async () => {
    await t.kubectl(['apply', '-f', '-'], { input: hugePod });
    const pending = await eventually(
      async () => {
        const pod = await getPod();
        return scheduledCondition(pod)?.status === 'False' ? pod : undefined;
      },
      { what: 'PodScheduled=False', timeoutMs: 15_000 },
    );
    expect(pending.status.phase).toBe('Pending');
    expect(pending.spec.nodeName).toBeUndefined();
    expect(scheduledCondition(pending)).toMatchObject({ reason: 'Unschedulable', message: '0/3 nodes are available: 3 Insufficient cpu.' });
    const described = await t.kubectl(['describe', 'pod', 'huge', '-n', NS]);
    expect(described.stdout).toMatch(/Status:\s+Pending/);
    expect(described.stdout).toMatch(/PodScheduled\s+False/);

    // Node heartbeats (one a second per node: condition times have second precision) keep changing
    // the nodes; the pod is not rescheduled in a busy loop meanwhile.
    const heartbeats = { count: 0 };
    const off = t.cluster.projector.onApplied((event) => {
      if (event.stream.startsWith('Node/')) heartbeats.count++;
    });
    try {
      await eventually(() => heartbeats.count >= 6, { what: '6 node heartbeats', timeoutMs: 15_000 });
    } finally {
      off();
    }
    const whilePending = await readStream(t.cluster, `Pod/${NS}/huge`);
    expect(whilePending.map((e) => e.type)).toEqual(['PodCreated', 'PodStatusChanged']);

    const big = await t.addHollowNodes('big-', { cpu: '128', memory: '256Gi' });
    const running = await eventually(
      async () => {
        const pod = await getPod();
        return pod.status?.phase === 'Running' ? pod : undefined;
      },
      { what: 'the pod Running', timeoutMs: 15_000 },
    );
    expect(running.spec.nodeName).toBe(big.nodeNames[0]);
    expect(scheduledCondition(running)?.status).toBe('True');
    const wide = await t.kubectl(['get', 'pod', 'huge', '-n', NS, '-o', 'wide']);
    expect(wide.stdout).toMatch(new RegExp(`huge\\s+1/1\\s+Running\\s.*${big.nodeNames[0]}`));
  }, 60_000);
});
