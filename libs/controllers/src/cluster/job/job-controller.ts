import { type CachedChange, type Controller, type EventType, type ReconcileContext, type ReconcileResult, controllerOwnerKey, keyOf, splitKey } from '@logbook/components';
import type { KubeObject } from '@logbook/kube';
import { type Condition, isTrue, setCondition, toSeconds } from '../shared/conditions';
import { Expectations } from '../shared/expectations';
import { ignoreNotFound } from '../shared/ignore-not-found';
import { sameJson } from '../shared/same-json';
import { type JobPods, classifyPods, deletionOrder, podForJob, restartCount } from './job-pods';

export interface JobControllerOptions {
  /** How long to wait for the cache to show pods this controller created or deleted. Default 5 min. */
  readonly expectationsTtlMs?: number;
}

interface Failure {
  readonly reason: 'BackoffLimitExceeded' | 'DeadlineExceeded';
  readonly message: string;
}

/** What a reconcile decided, before it is written. */
interface Plan {
  create: number;
  remove: KubeObject[];
  status: Record<string, any>;
  requeueAfterMs?: number;
  /** Kubernetes Events for the transitions this status makes (Completed, Failed, Suspended, Resumed). */
  events: { type: EventType; reason: string; message: string }[];
}

/**
 * The Job controller (NonIndexed completion mode): keeps min(parallelism, remaining
 * completions) pods running, counts finished pods, and finishes the Job as Complete or Failed
 * (backoffLimit, activeDeadlineSeconds). Pods are found by owner uid, since the API server
 * does not generate Job selectors.
 *
 * Counts never go down: a finished pod deleted later (by a user or the namespace) was still
 * a completion. Kubernetes tracks this exactly with the `batch.kubernetes.io/job-tracking`
 * pod finalizer; we take the max of the recorded and the observed counts instead.
 */
export class JobController implements Controller {
  readonly name = 'job-controller';
  readonly eventSource = 'job-controller';
  readonly primaryKind = 'Job';
  readonly watches = ['Job', 'Pod'] as const;
  private readonly expectations: Expectations;

  constructor(options: JobControllerOptions = {}) {
    this.expectations = new Expectations(options.expectationsTtlMs);
  }

  keysFor(change: CachedChange): string[] {
    if (change.kind === 'Job') return [keyOf((change.after ?? change.before)!)];
    const keys = [controllerOwnerKey(change.before, 'Job'), controllerOwnerKey(change.after, 'Job')];
    return [...new Set(keys.filter((k): k is string => k !== undefined))];
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const job = ctx.cache.get('Job', namespace, name);
    // A Job being deleted keeps its pods until the garbage collector takes them.
    if (!job || job.metadata.deletionTimestamp) {
      this.expectations.forget(key);
      return;
    }
    const nowMs = ctx.now().getTime();
    // Our last writes are not in the cache yet; their events queue this key again.
    if (!this.expectations.satisfied(key, ctx.cache, nowMs)) return;

    const pods = classifyPods(ctx.cache.ownedBy('Pod', namespace, job.metadata.uid!), job.metadata.uid!);
    const plan = this.plan(job, pods, ctx.now());
    await this.apply(key, job, plan, ctx);
    return plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs } : undefined;
  }

  private plan(job: KubeObject, pods: JobPods, nowDate: Date): Plan {
    const spec = job.spec ?? {};
    const prev = job.status ?? {};
    const now = toSeconds(nowDate);
    const status: Record<string, any> = structuredClone(prev);
    const succeeded = Math.max(prev.succeeded ?? 0, pods.succeeded.length);
    const failed = Math.max(prev.failed ?? 0, pods.failed.length);
    const conditions: Condition[] | undefined = prev.conditions;
    const finished = isTrue(conditions, 'Complete') || isTrue(conditions, 'Failed');
    const plan: Plan = { create: 0, remove: [], status, events: [] };
    const finish = (removeAsFailed: boolean) => {
      plan.remove = pods.active;
      status.failed = failed + (removeAsFailed ? pods.active.length : 0);
    };

    status.succeeded = succeeded;
    status.failed = failed;
    if (finished) {
      finish(false);
    } else if (spec.suspend) {
      finish(false);
      if (!isTrue(conditions, 'Suspended')) plan.events.push({ type: 'Normal', reason: 'Suspended', message: 'Job suspended' });
      status.conditions = setCondition(conditions, { type: 'Suspended', status: 'True', reason: 'JobSuspended', message: 'Job suspended', lastProbeTime: now }, now);
    } else {
      if (isTrue(conditions, 'Suspended')) {
        status.conditions = setCondition(conditions, { type: 'Suspended', status: 'False', reason: 'JobResumed', message: 'Job resumed', lastProbeTime: now }, now);
        plan.events.push({ type: 'Normal', reason: 'Resumed', message: 'Job resumed' });
        status.startTime = now; // the deadline counts from the resume, as in Kubernetes
      }
      status.startTime ??= now;
      const failure = this.failure(job, pods, failed, nowDate.getTime(), status.startTime);
      const completions: number | undefined = spec.completions ?? undefined;
      const complete = completions !== undefined ? succeeded >= completions : succeeded > 0 && pods.active.length === 0;
      if (failure) {
        finish(true); // pods the controller kills count as failed (Kubernetes does the same)
        plan.events.push({ type: 'Warning', reason: failure.reason, message: failure.message });
        status.conditions = setCondition(status.conditions, { type: 'Failed', status: 'True', reason: failure.reason, message: failure.message, lastProbeTime: now }, now);
      } else if (complete) {
        finish(false);
        status.conditions = setCondition(status.conditions, { type: 'SuccessCriteriaMet', status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods', lastProbeTime: now }, now);
        status.conditions = setCondition(status.conditions, { type: 'Complete', status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods', lastProbeTime: now }, now);
        status.completionTime = now;
        plan.events.push({ type: 'Normal', reason: 'Completed', message: 'Job completed' });
      } else {
        const parallelism: number = spec.parallelism ?? 1;
        // A work-queue Job (no completions) starts nothing new once one pod has succeeded.
        const want = completions !== undefined ? Math.min(parallelism, completions - succeeded) : succeeded > 0 ? Math.min(parallelism, pods.active.length) : parallelism;
        if (want > pods.active.length) plan.create = want - pods.active.length;
        else plan.remove = deletionOrder(pods.active).slice(0, pods.active.length - want);
        if (spec.activeDeadlineSeconds) plan.requeueAfterMs = Math.max(0, Date.parse(status.startTime) + spec.activeDeadlineSeconds * 1000 - nowDate.getTime());
      }
    }
    const removed = new Set(plan.remove);
    const remaining = pods.active.filter((p) => !removed.has(p));
    status.active = remaining.length + plan.create;
    status.ready = remaining.filter((p) => isTrue(p.status?.conditions, 'Ready')).length;
    return plan;
  }

  private failure(job: KubeObject, pods: JobPods, failed: number, nowMs: number, startTime: string): Failure | undefined {
    const spec = job.spec ?? {};
    const limit: number = spec.backoffLimit ?? 6;
    const backoff = { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' } as const;
    if (failed > limit) return backoff;
    if (spec.template?.spec?.restartPolicy === 'OnFailure') {
      const restarts = restartCount(pods.active);
      if (limit === 0 ? restarts > 0 : restarts >= limit) return backoff;
    }
    if (spec.activeDeadlineSeconds && nowMs >= Date.parse(startTime) + spec.activeDeadlineSeconds * 1000) {
      return { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
    }
    return undefined;
  }

  private async apply(key: string, job: KubeObject, plan: Plan, ctx: ReconcileContext): Promise<void> {
    const nowMs = ctx.now().getTime();
    const deletes = await Promise.allSettled(
      plan.remove.map(async (p) => {
        try {
          if (await ignoreNotFound(ctx.client.delete('Pod', p.metadata.namespace, p.metadata.name!, { ...ctx.cause, preconditions: { uid: p.metadata.uid } }))) {
            ctx.recorder.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`, ctx.cause);
          }
        } catch (err) {
          ctx.recorder.event(job, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`, ctx.cause);
          throw err;
        }
        return p;
      }),
    );
    const creates = await Promise.allSettled(
      Array.from({ length: plan.create }, async () => {
        try {
          const created = await ctx.client.create(podForJob(job), ctx.cause);
          ctx.recorder.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`, ctx.cause);
          return created;
        } catch (err) {
          ctx.recorder.event(job, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`, ctx.cause);
          throw err;
        }
      }),
    );
    const expected = [
      ...deletes.flatMap((r) => (r.status === 'fulfilled' ? [{ ...ref(r.value), create: false }] : [])),
      ...creates.flatMap((r) => (r.status === 'fulfilled' ? [{ ...ref(r.value), create: true }] : [])),
    ];
    this.expectations.expect(key, expected, nowMs);
    const failedWrite = [...deletes, ...creates].find((r) => r.status === 'rejected');
    if (failedWrite) throw (failedWrite as PromiseRejectedResult).reason;

    if (!sameJson(plan.status, job.status ?? {})) {
      await ctx.client.updateStatus({ ...job, metadata: { ...job.metadata }, status: plan.status }, ctx.cause);
      // Only once the transition is stored: a failed write is retried and would record it twice.
      for (const e of plan.events) ctx.recorder.event(job, e.type, e.reason, e.message, ctx.cause);
    }
  }
}

function ref(o: KubeObject) {
  return { kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name!, uid: o.metadata.uid! };
}
