import { type KubeObject, formatInTimeZone } from '@logbook/kube';
import { isTrue } from '../../cluster/shared/conditions';
import { controllerRef } from '../pod-from-template';

/** The Jobs of a CronJob (pkg/controller/cronjob/utils.go): names, templates, outcomes. */
export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

/** `<cronjob>-<scheduled time in minutes since the epoch>`: one name per run, a lock against running it twice. */
export function jobName(cj: KubeObject, scheduled: Date): string {
  return `${cj.metadata.name}-${Math.floor(scheduled.getTime() / 60_000)}`;
}

/** kube's getJobFromTemplate2: the jobTemplate's labels, annotations and spec, owned by the CronJob. */
export function jobFor(cj: KubeObject, scheduled: Date): KubeObject {
  const template = cj.spec?.jobTemplate ?? {};
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName(cj, scheduled),
      namespace: cj.metadata.namespace,
      ...(template.metadata?.labels ? { labels: { ...template.metadata.labels } } : {}),
      // The scheduled time in the CronJob's zone (UTC without one), as kube 1.32 writes it.
      annotations: { ...(template.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP_ANNOTATION]: formatInTimeZone(scheduled.getTime(), cj.spec?.timeZone ?? 'UTC') },
      ownerReferences: [controllerRef(cj)],
    },
    spec: structuredClone(template.spec ?? {}),
  };
}

export type Finished = 'Complete' | 'Failed' | undefined;

export function finishedStatus(job: KubeObject): Finished {
  if (isTrue(job.status?.conditions, 'Complete')) return 'Complete';
  if (isTrue(job.status?.conditions, 'Failed')) return 'Failed';
  return undefined;
}

/** An ObjectReference in status.active. */
export function activeRef(job: KubeObject): Record<string, string> {
  return { kind: 'Job', namespace: job.metadata.namespace!, name: job.metadata.name!, uid: job.metadata.uid!, apiVersion: 'batch/v1', resourceVersion: job.metadata.resourceVersion! };
}

/** kube's byJobStartTime: started jobs oldest first, then those not started, ties by name. */
export function byStartTime(a: KubeObject, b: KubeObject): number {
  const sa = a.status?.startTime ? Date.parse(a.status.startTime) : undefined;
  const sb = b.status?.startTime ? Date.parse(b.status.startTime) : undefined;
  if (sa === undefined && sb !== undefined) return 1;
  if (sa !== undefined && sb === undefined) return -1;
  if (sa === sb) return a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0;
  return sa! - sb!;
}

/** The finished jobs beyond the history limits, oldest first (kube's cleanupFinishedJobs). */
export function jobsBeyondHistory(cj: KubeObject, jobs: readonly KubeObject[]): KubeObject[] {
  const oldest = (status: Finished, limit: number | undefined) => {
    if (limit === undefined || limit === null) return [];
    const done = jobs.filter((j) => finishedStatus(j) === status).sort(byStartTime);
    return done.slice(0, Math.max(0, done.length - limit));
  };
  return [...oldest('Complete', cj.spec?.successfulJobsHistoryLimit), ...oldest('Failed', cj.spec?.failedJobsHistoryLimit)];
}
