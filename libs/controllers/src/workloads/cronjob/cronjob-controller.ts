import { type CachedChange, ClientError, type Controller, type ReconcileContext, type ReconcileResult, controllerOwnerKey, keyOf, splitKey } from '@logbook/components';
import { CronParseError, type KubeObject, isKnownTimeZone, localTimeZone, mostRecentScheduleTime, parseCronSchedule } from '@logbook/kube';
import { toSeconds } from '../../cluster/shared/conditions';
import { statusChanged } from '../replicaset-status';
import type { CronJobClock } from './cronjob-clock';
import { activeRef, finishedStatus, jobFor, jobName, jobsBeyondHistory } from './cronjob-jobs';

export interface CronJobControllerOptions {
  /** The time source; the host's clock when absent. Tests inject a fast or fixed one. */
  readonly clock?: CronJobClock;
}

/** kube requeues a little after the scheduled time, so that the run is due when it looks. */
const NEXT_SCHEDULE_DELTA_MS = 100;

/**
 * CronJobs (pkg/controller/cronjob, controller v2): at each scheduled time — in `timeZone`, or
 * the controller manager's zone — create the Job `<cronjob>-<minutes>` from the jobTemplate,
 * honouring suspend, startingDeadlineSeconds and concurrencyPolicy (Allow, Forbid: skip while
 * one runs, Replace: delete the running ones first); keep status.active, lastScheduleTime and
 * lastSuccessfulTime; delete finished Jobs beyond the history limits. The deterministic Job
 * name is the lock that keeps a run from starting twice, whatever the cache shows.
 */
export class CronJobController implements Controller {
  readonly name = 'cronjob-controller';
  readonly primaryKind = 'CronJob';
  readonly watches = ['CronJob', 'Job'] as const;
  private readonly clock?: CronJobClock;
  /**
   * Each CronJob as our last status write returned it. The cache can lag that write (a requeue
   * timer fires before the update comes back through the bus); deciding on the older status,
   * which does not list the Job just started, would start a second one under Forbid.
   */
  private readonly written = new Map<string, KubeObject>();

  constructor(options: CronJobControllerOptions = {}) {
    this.clock = options.clock;
  }

  keysFor(change: CachedChange): string[] {
    if (change.kind === 'CronJob') return [keyOf((change.after ?? change.before)!)];
    const keys = [controllerOwnerKey(change.before, 'CronJob'), controllerOwnerKey(change.after, 'CronJob')];
    return [...new Set(keys.filter((k): k is string => k !== undefined))];
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const cached = ctx.cache.get('CronJob', namespace, name);
    if (!cached) return void this.written.delete(key);
    const cj = this.newest(key, cached);
    const now = this.clock?.now() ?? ctx.now();
    const jobs = ctx.cache.controlledBy('Job', cj.metadata.uid!);
    const status: Record<string, any> = structuredClone(cj.status ?? {});
    await this.syncActive(cj, status, jobs, ctx);

    const wait = cj.metadata.deletionTimestamp ? undefined : await this.schedule(cj, status, now, ctx);

    for (const job of jobsBeyondHistory(cj, jobs)) {
      ctx.log.debug({ cronjob: key, job: job.metadata.name }, 'deleting a finished job beyond the history limit');
      await this.deleteJob(cj, job, status, ctx);
    }
    if (status.active?.length === 0) delete status.active;
    if (statusChanged(cj.status, status)) this.written.set(key, await ctx.client.updateStatus({ ...structuredClone(cj), status }, ctx.cause));
    return wait === undefined ? undefined : { requeueAfterMs: Math.max(0, this.clock?.realDelayMs(wait) ?? wait) };
  }

  /** Our own last write when the cache has not caught up with it (positions are global, so newer is newer). */
  private newest(key: string, cached: KubeObject): KubeObject {
    const mine = this.written.get(key);
    if (mine && mine.metadata.uid === cached.metadata.uid && Number(mine.metadata.resourceVersion) > Number(cached.metadata.resourceVersion)) return mine;
    this.written.delete(key);
    return cached;
  }

  /**
   * status.active follows the Jobs: finished ones leave it, vanished ones too, and a running one
   * it does not list joins it (as kube's controller does for a Job it forgot); lastSuccessfulTime keeps up.
   */
  private async syncActive(cj: KubeObject, status: Record<string, any>, jobs: readonly KubeObject[], ctx: ReconcileContext): Promise<void> {
    const active: any[] = status.active ?? [];
    const uids = new Set(jobs.map((j) => j.metadata.uid));
    for (const job of jobs) {
      const listed = active.some((r) => r.uid === job.metadata.uid);
      const finished = finishedStatus(job);
      if (listed && finished) {
        status.active = (status.active ?? []).filter((r: any) => r.uid !== job.metadata.uid);
        ctx.recorder.event(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${job.metadata.name}, condition: ${finished}`, ctx.cause);
      }
      else if (!listed && !finished) {
        ctx.log.debug({ cronjob: keyOf(cj), job: job.metadata.name }, 'a running job was missing from status.active; adding it');
        status.active = [...(status.active ?? []), activeRef(job)];
      }
      if (finished === 'Complete' && job.status?.completionTime && (!status.lastSuccessfulTime || Date.parse(job.status.completionTime) > Date.parse(status.lastSuccessfulTime))) {
        status.lastSuccessfulTime = job.status.completionTime;
      }
    }
    for (const ref of active) {
      if (uids.has(ref.uid)) continue;
      // Not in the cache: ask the API server before believing it gone (the cache may lag our own create).
      const live = await ctx.client.getObject?.('Job', ref.namespace, ref.name);
      if (live && live.metadata.uid === ref.uid) continue;
      ctx.log.info({ cronjob: keyOf(cj), job: ref.name }, 'active job went missing');
      status.active = (status.active ?? []).filter((r: any) => r.uid !== ref.uid);
    }
  }

  /** Starts the run that is due, if any; returns the ms (on the CronJob's clock) until the next look. */
  private async schedule(cj: KubeObject, status: Record<string, any>, now: Date, ctx: ReconcileContext): Promise<number | undefined> {
    const key = keyOf(cj);
    const spec = cj.spec ?? {};
    if (spec.timeZone !== undefined && spec.timeZone !== null && !isKnownTimeZone(spec.timeZone)) {
      ctx.log.warn({ cronjob: key, timeZone: spec.timeZone }, 'not starting jobs: unknown timeZone; fix spec.timeZone');
      ctx.recorder.event(cj, 'Warning', 'UnknownTimeZone', `invalid timeZone: "${spec.timeZone}"`, ctx.cause);
      return undefined;
    }
    if (spec.suspend) return undefined;
    let schedule;
    try {
      schedule = parseCronSchedule(spec.schedule ?? '');
    } catch (err) {
      if (!(err instanceof CronParseError)) throw err;
      ctx.log.warn({ cronjob: key, schedule: spec.schedule, err: err.message }, 'not starting jobs: unparseable schedule; fix spec.schedule');
      ctx.recorder.event(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: "${spec.schedule}" : ${err.message}`, ctx.cause);
      return undefined;
    }
    const zone = spec.timeZone ?? localTimeZone();
    let earliest = new Date(status.lastScheduleTime ?? cj.metadata.creationTimestamp ?? now.toISOString());
    if (spec.startingDeadlineSeconds !== undefined && spec.startingDeadlineSeconds !== null) {
      const deadline = new Date(now.getTime() - spec.startingDeadlineSeconds * 1000);
      if (deadline > earliest) earliest = deadline;
    }
    const due = mostRecentScheduleTime(schedule, earliest, now, zone);
    if (due.missed > 100) ctx.log.warn({ cronjob: key, missed: due.missed }, 'too many missed start times; set or decrease spec.startingDeadlineSeconds or check clock skew');
    const untilNext = due.next ? due.next.getTime() - now.getTime() + NEXT_SCHEDULE_DELTA_MS : undefined;
    const scheduled = due.time;
    if (!scheduled) return untilNext;

    if (spec.startingDeadlineSeconds !== undefined && spec.startingDeadlineSeconds !== null && scheduled.getTime() + spec.startingDeadlineSeconds * 1000 < now.getTime()) {
      ctx.log.info({ cronjob: key, scheduled: scheduled.toISOString() }, 'missed the starting deadline of a scheduled run');
      ctx.recorder.event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${scheduled.toISOString()}`, ctx.cause);
      return untilNext;
    }
    const active: any[] = status.active ?? [];
    const name = jobName(cj, scheduled);
    if (active.some((r) => r.name === name) || (status.lastScheduleTime && Date.parse(status.lastScheduleTime) === Math.floor(scheduled.getTime() / 1000) * 1000)) return untilNext;
    if (spec.concurrencyPolicy === 'Forbid' && active.length > 0) {
      ctx.log.debug({ cronjob: key, scheduled: scheduled.toISOString() }, 'not starting a job: the previous run is still active and concurrencyPolicy is Forbid');
      ctx.recorder.event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid', ctx.cause);
      return untilNext;
    }
    if (spec.concurrencyPolicy === 'Replace') {
      for (const ref of [...active]) {
        const job = ctx.cache.get('Job', ref.namespace, ref.name) ?? (await ctx.client.getObject?.('Job', ref.namespace, ref.name));
        if (job) await this.deleteJob(cj, job, status, ctx);
        else status.active = (status.active ?? []).filter((r: any) => r.uid !== ref.uid);
      }
    }

    let job: KubeObject;
    try {
      job = await ctx.client.create(jobFor(cj, scheduled), ctx.cause);
      ctx.log.info({ cronjob: key, job: job.metadata.name, scheduled: scheduled.toISOString() }, 'created job');
      ctx.recorder.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${job.metadata.name}`, ctx.cause);
    } catch (err) {
      if (!(err instanceof ClientError && err.reason === 'AlreadyExists')) {
        ctx.recorder.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${(err as Error).message}`, ctx.cause);
        throw err;
      }
      // Ours from an earlier attempt whose status write was lost: record it; anyone else's: leave it.
      const existing = ctx.cache.get('Job', cj.metadata.namespace, name) ?? (await ctx.client.getObject?.('Job', cj.metadata.namespace, name));
      if (!existing?.metadata.ownerReferences?.some((r) => r.controller && r.uid === cj.metadata.uid)) return untilNext;
      if ((status.active ?? []).some((r: any) => r.uid === existing.metadata.uid)) return untilNext;
      job = existing;
    }
    status.active = [...(status.active ?? []), activeRef(job)];
    status.lastScheduleTime = toSeconds(scheduled);
    return untilNext;
  }

  private async deleteJob(cj: KubeObject, job: KubeObject, status: Record<string, any>, ctx: ReconcileContext): Promise<void> {
    try {
      await ctx.client.delete('Job', job.metadata.namespace, job.metadata.name!, { ...ctx.cause, propagationPolicy: 'Background', preconditions: { uid: job.metadata.uid } });
      ctx.recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name}`, ctx.cause);
    } catch (err) {
      if (!(err instanceof ClientError && (err.isNotFound || err.isConflict))) throw err;
    }
    status.active = (status.active ?? []).filter((r: any) => r.uid !== job.metadata.uid);
  }
}
