import type { KubeObject } from '@logbook/kube';
import { makeJob, makePod } from '../../../../kube/src/testing/builders';
import { ClientError } from '@logbook/components';
import { at, CAUSE, fixture } from '../testing/fixture';
import { JobController } from './job-controller';

const T0 = '2026-01-01T00:00:00Z';
const JOB_UID = 'uid-job-job';

const job = () => makeJob('job').with('metadata.uid', JOB_UID).with('spec.completions', 1).with('spec.parallelism', 1).with('spec.backoffLimit', 6);

const pod = (name: string, phase: string, extra: (p: ReturnType<typeof makePod>) => ReturnType<typeof makePod> = (p) => p) =>
  extra(
    makePod(name)
      .with('metadata.ownerReferences', [{ apiVersion: 'batch/v1', kind: 'Job', name: 'job', uid: JOB_UID, controller: true }])
      .with('status.phase', phase),
  ).obj();
const ready = (p: ReturnType<typeof makePod>) => p.with('status.conditions', [{ type: 'Ready', status: 'True' }]).with('spec.nodeName', 'n1');

interface Case {
  name: string;
  job: KubeObject;
  pods?: KubeObject[];
  now?: string;
  writes: string[];
  status?: Record<string, unknown>;
  condition?: { type: string; reason: string };
  requeueAfterMs?: number;
}

describe('JobController.reconcile', () => {
  const cases: Case[] = [
    { name: 'a new Job gets its first pod and a startTime', job: job().obj(), writes: ['create Pod/job-00001', 'updateStatus Job/job'], status: { active: 1, succeeded: 0, failed: 0, startTime: T0 } },
    {
      name: 'parallelism 3 of completions 5 with 4 succeeded runs only 1',
      job: job().with('spec.completions', 5).with('spec.parallelism', 3).obj(),
      pods: [pod('job-1', 'Succeeded'), pod('job-2', 'Succeeded'), pod('job-3', 'Succeeded'), pod('job-4', 'Succeeded')],
      writes: ['create Pod/job-00001', 'updateStatus Job/job'],
      status: { active: 1, succeeded: 4 },
    },
    {
      name: 'parallelism 3 of completions 10 keeps 3 active',
      job: job().with('spec.completions', 10).with('spec.parallelism', 3).with('status', { startTime: T0, active: 1, succeeded: 0, failed: 0, ready: 1 }).obj(),
      pods: [pod('job-1', 'Running', ready)],
      writes: ['create Pod/job-00001', 'create Pod/job-00002', 'updateStatus Job/job'],
      status: { active: 3, ready: 1 },
    },
    {
      name: 'nothing to write when the pods and status already match',
      job: job().with('status', { startTime: T0, active: 1, succeeded: 0, failed: 0, ready: 0 }).obj(),
      pods: [pod('job-1', 'Pending')],
      writes: [],
    },
    {
      name: 'a failed pod is replaced and counted',
      job: job().with('status', { startTime: T0, active: 1, succeeded: 0, failed: 0, ready: 0 }).obj(),
      pods: [pod('job-1', 'Failed')],
      writes: ['create Pod/job-00001', 'updateStatus Job/job'],
      status: { active: 1, failed: 1 },
    },
    {
      name: 'failures beyond backoffLimit fail the Job and delete active pods',
      job: job().with('spec.parallelism', 2).with('spec.completions', 4).with('spec.backoffLimit', 1).with('status', { startTime: T0 }).obj(),
      pods: [pod('job-1', 'Failed'), pod('job-2', 'Failed'), pod('job-3', 'Running')],
      writes: ['delete Pod/job-3', 'updateStatus Job/job'],
      status: { active: 0, failed: 3 },
      condition: { type: 'Failed', reason: 'BackoffLimitExceeded' },
    },
    {
      name: 'OnFailure counts container restarts against backoffLimit',
      job: job().with('spec.backoffLimit', 2).with('spec.template.spec.restartPolicy', 'OnFailure').with('status', { startTime: T0 }).obj(),
      pods: [pod('job-1', 'Running', (p) => p.with('status.containerStatuses', [{ name: 'c', restartCount: 2 }]))],
      writes: ['delete Pod/job-1', 'updateStatus Job/job'],
      condition: { type: 'Failed', reason: 'BackoffLimitExceeded' },
    },
    {
      name: 'past activeDeadlineSeconds the Job fails with DeadlineExceeded',
      job: job().with('spec.activeDeadlineSeconds', 60).with('status', { startTime: T0, active: 1 }).obj(),
      pods: [pod('job-1', 'Running')],
      now: at(T0, 61),
      writes: ['delete Pod/job-1', 'updateStatus Job/job'],
      condition: { type: 'Failed', reason: 'DeadlineExceeded' },
    },
    {
      name: 'before the deadline it asks to be called again at the deadline',
      job: job().with('spec.activeDeadlineSeconds', 60).with('status', { startTime: T0, active: 1, succeeded: 0, failed: 0, ready: 0 }).obj(),
      pods: [pod('job-1', 'Running')],
      now: at(T0, 20),
      writes: [],
      requeueAfterMs: 40_000,
    },
    {
      name: 'enough successes complete the Job with a completionTime',
      job: job().with('spec.completions', 2).with('status', { startTime: T0, active: 1, succeeded: 1 }).obj(),
      pods: [pod('job-1', 'Succeeded'), pod('job-2', 'Succeeded')],
      now: at(T0, 30),
      writes: ['updateStatus Job/job'],
      status: { active: 0, succeeded: 2, completionTime: at(T0, 30) },
      condition: { type: 'Complete', reason: 'CompletionsReached' },
    },
    {
      name: 'a work-queue Job (no completions) completes when one pod succeeded and none run',
      job: job().with('spec.completions', undefined).with('spec.parallelism', 2).with('status', { startTime: T0 }).obj(),
      pods: [pod('job-1', 'Succeeded'), pod('job-2', 'Succeeded')],
      writes: ['updateStatus Job/job'],
      condition: { type: 'Complete', reason: 'CompletionsReached' },
    },
    {
      name: 'a work-queue Job starts nothing new after a success',
      job: job().with('spec.completions', undefined).with('spec.parallelism', 3).with('status', { startTime: T0, active: 1, succeeded: 1, failed: 0, ready: 0 }).obj(),
      pods: [pod('job-1', 'Succeeded'), pod('job-2', 'Running')],
      writes: [],
    },
    {
      name: 'a suspended Job deletes its active pods',
      job: job().with('spec.suspend', true).with('status', { startTime: T0, active: 1 }).obj(),
      pods: [pod('job-1', 'Running')],
      writes: ['delete Pod/job-1', 'updateStatus Job/job'],
      status: { active: 0 },
      condition: { type: 'Suspended', reason: 'JobSuspended' },
    },
    {
      name: 'lowering parallelism deletes unscheduled pods first',
      job: job().with('spec.completions', 5).with('spec.parallelism', 1).with('status', { startTime: T0, active: 2, succeeded: 0, failed: 0, ready: 1 }).obj(),
      pods: [pod('job-1', 'Running', ready), pod('job-2', 'Pending')],
      writes: ['delete Pod/job-2', 'updateStatus Job/job'],
      status: { active: 1, ready: 1 },
    },
    {
      name: 'a finished Job creates nothing',
      job: job().with('status', { startTime: T0, active: 0, succeeded: 1, failed: 0, ready: 0, completionTime: T0, conditions: [{ type: 'Complete', status: 'True' }] }).obj(),
      pods: [pod('job-1', 'Succeeded')],
      writes: [],
    },
    {
      name: 'pods of another owner are ignored',
      job: job().with('status', { startTime: T0, active: 1, succeeded: 0, failed: 0, ready: 0 }).obj(),
      pods: [pod('job-1', 'Running'), pod('job-2', 'Succeeded', (p) => p.with('metadata.ownerReferences', [{ apiVersion: 'batch/v1', kind: 'Job', name: 'job', uid: 'other', controller: true }]))],
      writes: [],
    },
  ];

  it.each(cases)('$name', async (c) => {
    const { ctx, client } = fixture([c.job, ...(c.pods ?? [])], c.now ?? T0);
    const result = await new JobController().reconcile('default/job', ctx);
    expect(client.summary).toEqual(c.writes);
    const status = client.ofVerb('updateStatus')[0]?.object.status;
    if (c.status) expect(status).toMatchObject(c.status);
    if (c.condition) expect(status.conditions).toContainEqual(expect.objectContaining({ ...c.condition, status: 'True' }));
    if (c.requeueAfterMs !== undefined) expect(result).toEqual({ requeueAfterMs: c.requeueAfterMs });
  });

  it('creates pods owned by the Job with the job-name and controller-uid labels, carrying the cause', async () => {
    const { ctx, client } = fixture([job().obj()]);
    await new JobController().reconcile('default/job', ctx);
    const created = client.ofVerb('create')[0];
    expect(created.object.metadata).toMatchObject({
      generateName: 'job-',
      namespace: 'default',
      labels: { app: 'job', 'batch.kubernetes.io/job-name': 'job', 'job-name': 'job', 'batch.kubernetes.io/controller-uid': JOB_UID, 'controller-uid': JOB_UID },
      ownerReferences: [{ kind: 'Job', name: 'job', uid: JOB_UID, controller: true, blockOwnerDeletion: true }],
    });
    expect(created.object.spec.restartPolicy).toBe('Never');
    expect(created.cause).toEqual(CAUSE);
  });

  it('deletes with the pod uid as precondition', async () => {
    const { ctx, client } = fixture([job().with('spec.suspend', true).obj(), pod('job-1', 'Running')]);
    await new JobController().reconcile('default/job', ctx);
    expect(client.ofVerb('delete')[0].options).toMatchObject({ preconditions: { uid: 'uid-pod-job-1' }, ...CAUSE });
  });

  it('does not create again until the cache shows the pods it created', async () => {
    const controller = new JobController();
    const first = fixture([job().obj()]);
    await controller.reconcile('default/job', first.ctx);
    // The same (stale) cache again, as when the Job's status event overtakes the pod's.
    const again = fixture([job().obj()]);
    await controller.reconcile('default/job', again.ctx);
    expect(again.client.calls).toEqual([]);
    const created = first.client.ofVerb('create')[0].object;
    const caughtUp = fixture([job().with('status', { startTime: T0, active: 1, succeeded: 0, failed: 0, ready: 0 }).obj(), { ...created, status: { phase: 'Pending' } }]);
    await controller.reconcile('default/job', caughtUp.ctx);
    expect(caughtUp.client.calls).toEqual([]);
  });

  describe('Kubernetes Events', () => {
    const lines = (f: ReturnType<typeof fixture>) => f.events.events.map((e) => `${e.involvedObject.kind}/${e.involvedObject.name} ${e.type} ${e.reason} ${e.message}`);

    it('records SuccessfulCreate and SuccessfulDelete on the Job', async () => {
      const created = fixture([job().with('spec.completions', 3).with('spec.parallelism', 2).obj()]);
      await new JobController().reconcile('default/job', created.ctx);
      expect(lines(created)).toEqual(['Job/job Normal SuccessfulCreate Created pod: job-00001', 'Job/job Normal SuccessfulCreate Created pod: job-00002']);
      const deleted = fixture([job().with('spec.suspend', true).obj(), pod('job-1', 'Running')]);
      await new JobController().reconcile('default/job', deleted.ctx);
      expect(lines(deleted)).toEqual(['Job/job Normal SuccessfulDelete Deleted pod: job-1', 'Job/job Normal Suspended Job suspended']);
    });

    it('records FailedCreate with the API error', async () => {
      const f = fixture([job().obj()]);
      f.client.failOn('create', 'job-00001', new ClientError(403, 'Forbidden', 'exceeded quota: pods'));
      await expect(new JobController().reconcile('default/job', f.ctx)).rejects.toThrow('quota');
      expect(lines(f)).toEqual(['Job/job Warning FailedCreate Error creating: exceeded quota: pods']);
    });

    it('records Completed once, when the status saying so is written', async () => {
      const done = [job().with('status', { startTime: T0, active: 0, succeeded: 0, failed: 0 }).obj(), pod('job-1', 'Succeeded')] as const;
      const f = fixture([...done]);
      await new JobController().reconcile('default/job', f.ctx);
      expect(lines(f)).toEqual(['Job/job Normal Completed Job completed']);
      const finished = fixture([{ ...done[0], status: f.client.ofVerb('updateStatus')[0].object.status }, done[1]]);
      await new JobController().reconcile('default/job', finished.ctx);
      expect(lines(finished)).toEqual([]);
    });

    it('records the failure reason as a Warning', async () => {
      const f = fixture([job().with('spec.backoffLimit', 1).with('status', { startTime: T0 }).obj(), pod('job-1', 'Failed'), pod('job-2', 'Failed')]);
      await new JobController().reconcile('default/job', f.ctx);
      expect(lines(f)).toEqual(['Job/job Warning BackoffLimitExceeded Job has reached the specified backoff limit']);
    });
  });

  it('maps a pod change to its owning Job', () => {
    const c = new JobController();
    expect(c.keysFor({ kind: 'Pod', after: pod('job-4', 'Running') })).toEqual(['default/job']);
    expect(c.keysFor({ kind: 'Pod', after: makePod('x').obj() })).toEqual([]);
    expect(c.keysFor({ kind: 'Job', before: job().obj() })).toEqual(['default/job']);
  });
});
