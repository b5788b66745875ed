import { ScaledClock } from '@logbook/controllers';
import type { KubeObject } from '@logbook/kube';
import { eventually, kubectlBinaries, useKubectl } from '@logbook/testing';
import { type AcceptanceCluster, InvariantWatch, startAcceptanceCluster } from './harness';

const NS = 'default';
/** The CronJob controller's clock runs 60 times faster: `*\/1 * * * *` fires every real second. */
const RATE = 60;
/** A hollow Job pod runs 2.5 s, i.e. 2.5 minutes of the CronJob's clock: each run overlaps the next two schedules. */
const RUN_MS = 2_500;

const cronJob = `
apiVersion: batch/v1
kind: CronJob
metadata: { name: hello, namespace: ${NS} }
spec:
  schedule: "*/1 * * * *"
  concurrencyPolicy: Forbid
  successfulJobsHistoryLimit: 2
  failedJobsHistoryLimit: 1
  jobTemplate:
    metadata: { labels: { app: hello } }
    spec:
      template:
        metadata: { labels: { app: hello } }
        spec:
          restartPolicy: OnFailure
          containers:
          - name: hello
            image: busybox
            command: [date]
`;

const finished = (job: KubeObject) => (job.status?.conditions ?? []).some((c: { type: string; status: string }) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');

/** Acceptance: a CronJob with concurrencyPolicy Forbid and history limits, driven by real kubectl (both versions). */
describe.each(kubectlBinaries())('CronJob on hollow nodes (%s)', (bin) => {
  let t: AcceptanceCluster;
  let clock: ScaledClock;
  const jobs = () => t.cluster.projector.state.list('Job', { namespace: NS }).filter((j) => j.metadata.ownerReferences?.some((r) => r.kind === 'CronJob' && r.name === 'hello'));

  beforeAll(async () => {
    useKubectl(bin);
    clock = new ScaledClock(new Date(), RATE);
    t = await startAcceptanceCluster({ hollowNodes: 0, cronJobClock: clock });
    await t.addHollowNodes('worker-', { count: 2, jobPodRunMs: RUN_MS });
  }, 30_000);
  afterAll(async () => {
    await t?.close();
  });

  it('creates Jobs on schedule, never two at once (Forbid), and prunes finished ones beyond the history limit', async () => {
    const created: string[] = [];
    const forbid = new InvariantWatch(t.cluster, (event, { after, before }) => {
      if ((after ?? before)?.kind !== 'Job') return undefined;
      if (event.type === 'JobCreated' && after?.metadata.name?.startsWith('hello-')) created.push(after.metadata.name);
      const running = jobs().filter((j) => !finished(j));
      return running.length > 1 ? `${running.length} jobs running at once: ${running.map((j) => j.metadata.name).join(', ')}` : undefined;
    }).start();
    try {
      await t.kubectl(['apply', '-f', '-'], { input: cronJob });
      await eventually(() => created.length >= 4, { timeoutMs: 40_000, intervalMs: 200, what: '4 jobs created by the CronJob' });
      // Finished jobs beyond successfulJobsHistoryLimit are deleted.
      await eventually(() => jobs().filter((j) => finished(j)).length <= 2 && jobs().length < created.length, { timeoutMs: 10_000, what: 'history pruned to 2 finished jobs' });
    } finally {
      forbid.stop();
    }
    forbid.assertNone();

    // Job names are <cronjob>-<scheduled minute>; Forbid skipped the minutes a run was still going.
    const minutes = created.map((n) => Number(n.slice('hello-'.length)));
    expect(minutes.every((m) => Number.isInteger(m) && m > 0)).toBe(true);
    for (let i = 1; i < minutes.length; i++) expect(minutes[i] - minutes[i - 1]).toBeGreaterThanOrEqual(2);

    // The controller creates the Job, then writes the CronJob's status: the two land one after the other.
    const lastMinute = new Date(Math.max(...minutes) * 60_000).toISOString().replace('.000Z', 'Z');
    const cj = await eventually(() => {
      const c = t.cluster.projector.state.get('CronJob', NS, 'hello')!;
      return c.status?.lastScheduleTime === lastMinute && c;
    }, { timeoutMs: 10_000, what: `lastScheduleTime ${lastMinute}` });
    expect(cj.status.lastScheduleTime).toBe(lastMinute);
    expect(cj.status.lastSuccessfulTime).toBeDefined();
    const job = jobs().find((j) => j.metadata.name === `hello-${Math.max(...minutes)}`) ?? jobs()[0];
    expect(job.metadata.labels).toMatchObject({ app: 'hello' });
    expect(job.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00Z$/);

    const table = await t.kubectl(['get', 'cj', 'hello', '-n', NS]);
    expect(table.stdout).toMatch(/^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE\nhello\s+\*\/1 \* \* \* \*\s+<none>\s+False\s+[01]\s+\S+\s+\d+s\n$/);
  }, 60_000);

  it('kubectl create cronjob (protobuf from 1.32) and create job --from=cronjob', async () => {
    const version = JSON.parse((await t.kubectl(['version', '--client', '-o', 'json'])).stdout).clientVersion;
    const create = await t.kubectl(['create', 'cronjob', 'nightly', '-n', NS, '--image=busybox', '--schedule=0 3 * * *', '--', 'date'], { allowFailure: true });
    if (Number(version.minor) < 21) {
      // kubectl 1.20 only knows batch/v1beta1 CronJobs, which Kubernetes 1.25+ (and Logbook) no longer serve.
      expect(create.code).not.toBe(0);
      expect(create.stderr).toMatch(/the server could not find the requested resource/);
      return;
    }
    expect(create.stdout).toContain('cronjob.batch/nightly created');
    const cj = t.cluster.projector.state.get('CronJob', NS, 'nightly')!;
    expect(cj.spec).toMatchObject({ schedule: '0 3 * * *', concurrencyPolicy: 'Allow', jobTemplate: { spec: { template: { spec: { containers: [{ name: 'nightly', image: 'busybox', command: ['date'] }], restartPolicy: 'OnFailure' } } } } });
    await t.kubectl(['create', 'job', 'nightly-now', '-n', NS, '--from=cronjob/nightly']);
    const job = t.cluster.projector.state.get('Job', NS, 'nightly-now')!;
    expect(job.metadata.annotations).toMatchObject({ 'cronjob.kubernetes.io/instantiate': 'manual' });
    expect(job.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'CronJob', name: 'nightly', uid: cj.metadata.uid })]);
  }, 30_000);

  it('suspending stops new runs; deleting the CronJob deletes its Jobs', async () => {
    await t.kubectl(['patch', 'cj', 'hello', '-n', NS, '-p', '{"spec":{"suspend":true}}']);
    await eventually(() => jobs().every((j) => finished(j)), { timeoutMs: 10_000, what: 'the last run to finish' });
    const names = new Set(jobs().map((j) => j.metadata.name));
    const after = new InvariantWatch(t.cluster, (e, { after: job }) => (e.type === 'JobCreated' && job?.metadata.name?.startsWith('hello-') && !names.has(job.metadata.name) ? `job ${job.metadata.name} created while suspended` : undefined)).start();
    // An absence can only be seen over a period: three schedule times of the CronJob's own clock
    // (three real seconds) pass without a new run.
    const until = clock.now().getTime() + 3 * 60_000;
    await eventually(() => clock.now().getTime() > until, { timeoutMs: 10_000, intervalMs: 250, what: 'three scheduled minutes to pass on the CronJob clock' });
    after.stop();
    after.assertNone();
    expect((await t.kubectl(['get', 'cj', 'hello', '-n', NS])).stdout).toMatch(/^hello\s+\S+ \S+ \S+ \S+ \S+\s+<none>\s+True\s/m);

    await t.kubectl(['delete', 'cj', 'hello', '-n', NS]);
    await eventually(() => jobs().length === 0 && t.cluster.projector.state.list('Pod', { namespace: NS }).every((p) => p.metadata.labels?.app !== 'hello'), { timeoutMs: 15_000, what: 'jobs and pods of the CronJob gone' });
  }, 40_000);
});
