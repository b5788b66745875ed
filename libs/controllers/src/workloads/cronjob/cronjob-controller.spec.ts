import { ClientError } from '@logbook/components';
import { type KubeObject, applyDefaults } from '@logbook/kube';
import { makeCronJob, makeObject } from '../../../../kube/src/testing/builders';
import { CAUSE, fixture } from '../../cluster/testing/fixture';
import { ScaledClock } from './cronjob-clock';
import { CronJobController } from './cronjob-controller';
import { SCHEDULED_TIMESTAMP_ANNOTATION } from './cronjob-jobs';

const CREATED = '2026-03-01T10:00:30Z';
const minutes = (iso: string) => Math.floor(Date.parse(iso) / 60_000);

function cronJob(extra: Record<string, unknown> = {}): KubeObject {
  const b = makeCronJob('hello')
    .with('metadata.uid', 'cj-uid')
    .with('metadata.creationTimestamp', CREATED)
    .with('spec.timeZone', 'UTC')
    .with('spec.jobTemplate.metadata', { labels: { team: 'a' }, annotations: { note: 'x' } });
  for (const [k, v] of Object.entries(extra)) b.with(k, v);
  return applyDefaults(b.obj());
}

const owner = { apiVersion: 'batch/v1', kind: 'CronJob', name: 'hello', uid: 'cj-uid', controller: true, blockOwnerDeletion: true };

function job(name: string, opts: { finished?: 'Complete' | 'Failed'; startTime?: string; completionTime?: string } = {}): KubeObject {
  const b = makeObject('batch/v1', 'Job', name, 'default').with('metadata.uid', `uid-${name}`).with('metadata.ownerReferences', [owner]);
  const status: Record<string, unknown> = {};
  if (opts.startTime) status.startTime = opts.startTime;
  if (opts.finished) status.conditions = [{ type: opts.finished, status: 'True' }];
  if (opts.completionTime) status.completionTime = opts.completionTime;
  return b.with('status', status).obj();
}

const ref = (name: string) => ({ kind: 'Job', namespace: 'default', name, uid: `uid-${name}`, apiVersion: 'batch/v1', resourceVersion: '1' });

async function run(objects: KubeObject[], now: string, controller = new CronJobController()) {
  const f = fixture(objects, now);
  const result = await controller.reconcile('default/hello', f.ctx);
  const status = f.client.ofVerb('updateStatus')[0]?.object.status;
  return { ...f, result, status };
}

describe('CronJobController', () => {
  describe('when no run is due', () => {
    it('creates nothing and looks again just after the next scheduled time', async () => {
      const { client, result } = await run([cronJob()], '2026-03-01T10:00:45Z');
      expect(client.calls).toEqual([]);
      expect(result).toEqual({ requeueAfterMs: 15_100 });
    });
  });

  describe('when a run is due', () => {
    it('creates the Job <cronjob>-<minutes> from the template, owned by the CronJob, and records it', async () => {
      const { client, status, result, events } = await run([cronJob()], '2026-03-01T10:01:05Z');
      expect(client.summary).toEqual([`create Job/hello-${minutes('2026-03-01T10:01:00Z')}`, 'updateStatus CronJob/hello']);
      expect(events.lines()).toEqual([`Normal SuccessfulCreate Created job hello-${minutes('2026-03-01T10:01:00Z')}`]);
      const created = client.ofVerb('create')[0].object;
      expect(created.metadata).toMatchObject({
        namespace: 'default',
        labels: { team: 'a' },
        annotations: { note: 'x', [SCHEDULED_TIMESTAMP_ANNOTATION]: '2026-03-01T10:01:00Z' },
        ownerReferences: [owner],
      });
      expect(created.spec).toEqual(cronJob().spec.jobTemplate.spec);
      expect(status).toEqual({ active: [{ kind: 'Job', namespace: 'default', name: created.metadata.name, uid: created.metadata.uid, apiVersion: 'batch/v1', resourceVersion: created.metadata.resourceVersion }], lastScheduleTime: '2026-03-01T10:01:00Z' });
      expect(result).toEqual({ requeueAfterMs: 55_100 });
      expect(client.calls.every((c) => 'cause' in c ? c.cause === CAUSE : true)).toBe(true);
    });

    it('starts only the most recent of several missed runs', async () => {
      const { client, status } = await run([cronJob({ 'status.lastScheduleTime': '2026-03-01T10:01:00Z' })], '2026-03-01T10:07:10Z');
      expect(client.ofVerb('create').map((c) => c.name)).toEqual([`hello-${minutes('2026-03-01T10:07:00Z')}`]);
      expect(status.lastScheduleTime).toBe('2026-03-01T10:07:00Z');
    });

    it('does not start a run twice (lastScheduleTime, or the name already active)', async () => {
      expect((await run([cronJob({ 'status.lastScheduleTime': '2026-03-01T10:01:00Z' })], '2026-03-01T10:01:30Z')).client.calls).toEqual([]);
      const name = `hello-${minutes('2026-03-01T10:01:00Z')}`;
      expect((await run([cronJob({ 'status.active': [ref(name)] }), job(name)], '2026-03-01T10:01:30Z')).client.calls).toEqual([]);
    });

    it('under Forbid, does not start a second run when its cache still lacks its own status write and Job', async () => {
      const controller = new CronJobController();
      const stale = cronJob({ 'spec.concurrencyPolicy': 'Forbid' });
      const first = await run([stale], '2026-03-01T10:01:05Z', controller);
      expect(first.client.ofVerb('create')).toHaveLength(1);
      const started = first.client.ofVerb('create')[0].object;
      // The requeue fires a minute later; the bus has delivered neither the Job nor the status yet,
      // while the API server (asked about a listed Job missing from the cache) knows the Job.
      const second = fixture([stale], '2026-03-01T10:02:05Z');
      Object.assign(second.client, { getObject: async (_kind: string, _ns: string, name: string) => (name === started.metadata.name ? started : undefined) });
      await controller.reconcile('default/hello', second.ctx);
      expect(second.client.ofVerb('create')).toEqual([]);
    });

    it('adds a running Job of its own that status.active forgot, and then Forbid holds', async () => {
      const name = `hello-${minutes('2026-03-01T10:01:00Z')}`;
      const { client, status } = await run([cronJob({ 'spec.concurrencyPolicy': 'Forbid', 'status.lastScheduleTime': '2026-03-01T10:01:00Z' }), job(name)], '2026-03-01T10:02:05Z');
      expect(client.ofVerb('create')).toEqual([]);
      expect(status.active.map((r: any) => r.name)).toEqual([name]);
    });

    it('takes an existing Job of its own as the run, and leaves anyone else’s alone', async () => {
      const name = `hello-${minutes('2026-03-01T10:01:00Z')}`;
      const f = fixture([cronJob()], '2026-03-01T10:01:30Z');
      f.client.failOn('create', name, new ClientError(409, 'AlreadyExists', 'exists'));
      f.cache.bootstrap([job(name)], 2);
      await new CronJobController().reconcile('default/hello', f.ctx);
      expect(f.client.ofVerb('updateStatus')[0].object.status.active.map((r: any) => r.name)).toEqual([name]);

      const g = fixture([cronJob(), { ...job(name), metadata: { ...job(name).metadata, ownerReferences: [] } }], '2026-03-01T10:01:30Z');
      g.client.failOn('create', name, new ClientError(409, 'AlreadyExists', 'exists'));
      await new CronJobController().reconcile('default/hello', g.ctx);
      expect(g.client.ofVerb('updateStatus')).toEqual([]);
    });

    it('skips a run missed by more than startingDeadlineSeconds', async () => {
      const late = await run([cronJob({ 'spec.startingDeadlineSeconds': 10 })], '2026-03-01T10:01:20Z');
      expect(late.client.calls).toEqual([]);
      const inTime = await run([cronJob({ 'spec.startingDeadlineSeconds': 30 })], '2026-03-01T10:01:20Z');
      expect(inTime.client.ofVerb('create')).toHaveLength(1);
    });

    it('schedules on the wall clock of spec.timeZone and stamps the Job in that zone', async () => {
      const cj = cronJob({ 'spec.schedule': '0 9 * * *', 'spec.timeZone': 'America/New_York', 'metadata.creationTimestamp': '2026-01-10T00:00:00Z' });
      const early = await run([cj], '2026-01-10T13:59:00Z');
      expect(early.client.calls).toEqual([]);
      expect(early.result).toEqual({ requeueAfterMs: 60_100 });
      const { client } = await run([cj], '2026-01-10T14:00:02Z');
      expect(client.ofVerb('create')[0].object.metadata.annotations?.[SCHEDULED_TIMESTAMP_ANNOTATION]).toBe('2026-01-10T09:00:00-05:00');
    });
  });

  describe('with a previous run still active', () => {
    const running = `hello-${minutes('2026-03-01T10:01:00Z')}`;
    const state = (policy: string) => [cronJob({ 'spec.concurrencyPolicy': policy, 'status.active': [ref(running)], 'status.lastScheduleTime': '2026-03-01T10:01:00Z' }), job(running, { startTime: '2026-03-01T10:01:01Z' })];
    const NOW = '2026-03-01T10:02:05Z';

    it('Allow starts the next run beside it', async () => {
      const { client, status } = await run(state('Allow'), NOW);
      expect(client.summary).toEqual([`create Job/hello-${minutes('2026-03-01T10:02:00Z')}`, 'updateStatus CronJob/hello']);
      expect(status.active.map((r: any) => r.name)).toEqual([running, `hello-${minutes('2026-03-01T10:02:00Z')}`]);
    });

    it('Forbid skips the run, and starts the latest missed one once the previous has finished', async () => {
      const { client, result } = await run(state('Forbid'), NOW);
      expect(client.calls).toEqual([]);
      expect(result).toEqual({ requeueAfterMs: 55_100 });
      const [cj] = state('Forbid');
      const done = await run([cj, job(running, { startTime: '2026-03-01T10:01:01Z', finished: 'Complete', completionTime: '2026-03-01T10:02:30Z' })], '2026-03-01T10:03:10Z');
      expect(done.client.ofVerb('create').map((c) => c.name)).toEqual([`hello-${minutes('2026-03-01T10:03:00Z')}`]);
      expect(done.status).toMatchObject({ lastSuccessfulTime: '2026-03-01T10:02:30Z', lastScheduleTime: '2026-03-01T10:03:00Z' });
      expect(done.status.active.map((r: any) => r.name)).toEqual([`hello-${minutes('2026-03-01T10:03:00Z')}`]);
    });

    it('Replace deletes the running Job, then starts the new run', async () => {
      const { client, status } = await run(state('Replace'), NOW);
      expect(client.summary).toEqual([`delete Job/${running}`, `create Job/hello-${minutes('2026-03-01T10:02:00Z')}`, 'updateStatus CronJob/hello']);
      expect(client.ofVerb('delete')[0].options).toMatchObject({ ...CAUSE, propagationPolicy: 'Background', preconditions: { uid: `uid-${running}` } });
      expect(status.active.map((r: any) => r.name)).toEqual([`hello-${minutes('2026-03-01T10:02:00Z')}`]);
    });
  });

  describe('status and history', () => {
    it('drops active Jobs that are gone and keeps lastSuccessfulTime', async () => {
      const cj = cronJob({ 'spec.suspend': true, 'status.active': [ref('hello-1'), ref('hello-2')] });
      const { status, client } = await run([cj, job('hello-2', { finished: 'Complete', completionTime: '2026-03-01T10:05:00Z' })], '2026-03-01T10:06:00Z');
      expect(client.summary).toEqual(['updateStatus CronJob/hello']);
      expect(status).toEqual({ lastSuccessfulTime: '2026-03-01T10:05:00Z' });
    });

    it('starts nothing while suspended', async () => {
      const { client, result } = await run([cronJob({ 'spec.suspend': true })], '2026-03-01T10:05:00Z');
      expect(client.calls).toEqual([]);
      expect(result).toBeUndefined();
    });

    it('deletes the oldest finished Jobs beyond the history limits', async () => {
      const succeeded = [3, 1, 5, 2, 4].map((i) => job(`ok-${i}`, { finished: 'Complete', startTime: `2026-03-01T10:0${i}:00Z` }));
      const failed = [1, 2].map((i) => job(`bad-${i}`, { finished: 'Failed', startTime: `2026-03-01T10:0${i}:30Z` }));
      const { client } = await run([cronJob({ 'spec.suspend': true }), ...succeeded, ...failed, job('running', { startTime: '2026-03-01T10:00:00Z' })], '2026-03-01T10:06:00Z');
      expect(client.ofVerb('delete').map((c) => c.name)).toEqual(['ok-1', 'ok-2', 'bad-1']);
    });

    it('ignores a schedule or zone it cannot read instead of failing the key', async () => {
      expect((await run([cronJob({ 'spec.schedule': 'often' })], '2026-03-01T10:05:00Z')).result).toBeUndefined();
      expect((await run([cronJob({ 'spec.timeZone': 'Mars/Base' })], '2026-03-01T10:05:00Z')).client.calls).toEqual([]);
    });
  });

  describe('with an injected clock', () => {
    it('reads time from it and converts its waits to real time', async () => {
      const clock = { now: () => new Date('2026-03-01T10:01:50Z'), realDelayMs: (ms: number) => ms / 60 };
      const { client, result } = await run([cronJob()], '2030-01-01T00:00:00Z', new CronJobController({ clock }));
      expect(client.ofVerb('create').map((c) => c.name)).toEqual([`hello-${minutes('2026-03-01T10:01:00Z')}`]);
      expect(result).toEqual({ requeueAfterMs: 10_100 / 60 });
    });

    it('ScaledClock runs `rate` times faster than real time', () => {
      const clock = new ScaledClock(new Date('2026-03-01T10:00:00Z'), 60);
      expect(clock.now().getTime() - Date.parse('2026-03-01T10:00:00Z')).toBeGreaterThanOrEqual(0);
      expect(clock.realDelayMs(60_000)).toBe(1000);
      expect(() => new ScaledClock(new Date(), 0)).toThrow(/positive/);
    });
  });

  it('maps Jobs to the CronJob that controls them', () => {
    const c = new CronJobController();
    expect(c.keysFor({ kind: 'Job', after: job('hello-1') })).toEqual(['default/hello']);
    expect(c.keysFor({ kind: 'Job', after: makeObject('batch/v1', 'Job', 'x', 'default').obj() })).toEqual([]);
    expect(c.keysFor({ kind: 'CronJob', after: cronJob() })).toEqual(['default/hello']);
  });
});
