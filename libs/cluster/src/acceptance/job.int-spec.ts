import { type AcceptanceCluster, InvariantWatch, podsWithLabels, startAcceptanceCluster } from './harness';

const NS = 'default';

const job = `
apiVersion: batch/v1
kind: Job
metadata:
  name: batch
  namespace: ${NS}
spec:
  completions: 3
  parallelism: 2
  template:
    metadata:
      labels: { app: batch }
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: busybox
        command: [sh, -c, "exit 0"]
`;

/** Acceptance (issue 4): a Job with completions 3 and parallelism 2 completes on hollow nodes. */
describe('A Job on hollow nodes', () => {
  let t: AcceptanceCluster;

  beforeAll(async () => {
    t = await startAcceptanceCluster({ hollowNodes: 0 });
    // Hollow job pods run for jobPodRunMs, then exit 0.
    await t.addHollowNodes('worker-', { count: 2, jobPodRunMs: 200 });
  }, 30_000);
  afterAll(async () => {
    await t?.close();
  });

  it('runs at most 2 pods at a time and completes 3/3', async () => {
    const active = (phase?: string) => phase !== 'Succeeded' && phase !== 'Failed';
    const parallelism = new InvariantWatch(t.cluster, (_event, change) => {
      if ((change.after ?? change.before)?.kind !== 'Pod') return undefined;
      const running = podsWithLabels(t.cluster, NS, { app: 'batch' }).filter((p) => active(p.status?.phase)).length;
      return running > 2 ? `${running} active pods > parallelism 2` : undefined;
    }).start();
    try {
      await t.kubectl(['apply', '-f', '-'], { input: job });
      const waited = await t.kubectl(['wait', '--for=condition=complete', 'job/batch', '-n', NS, '--timeout=30s'], { timeoutMs: 40_000 });
      expect(waited.stdout).toContain('job.batch/batch condition met');
    } finally {
      parallelism.stop();
    }
    parallelism.assertNone();

    const table = await t.kubectl(['get', 'job', 'batch', '-n', NS]);
    expect(table.stdout).toMatch(/^batch\s+(Complete\s+)?3\/3\s/m);
    const got = JSON.parse((await t.kubectl(['get', 'job', 'batch', '-n', NS, '-o', 'json'])).stdout);
    expect(got.status).toMatchObject({ succeeded: 3 });
    expect(got.status.failed ?? 0).toBe(0);
    expect(got.status.completionTime).toBeDefined();
    const pods = podsWithLabels(t.cluster, NS, { app: 'batch' });
    expect(pods.map((p) => p.status.phase)).toEqual(['Succeeded', 'Succeeded', 'Succeeded']);
  }, 60_000);
});
