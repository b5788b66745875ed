import type { KubeObject } from '@logbook/kube';
import { isTrue } from '../shared/conditions';

export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const LEGACY_JOB_NAME_LABEL = 'job-name';
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';

/** A pod for the Job from its template, owned by it (the owner uid is how pods are matched). */
export function podForJob(job: KubeObject): KubeObject {
  const template = job.spec?.template ?? {};
  const name = job.metadata.name!;
  const uid = job.metadata.uid!;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${name}-`,
      namespace: job.metadata.namespace,
      labels: {
        ...template.metadata?.labels,
        [JOB_NAME_LABEL]: name,
        [LEGACY_JOB_NAME_LABEL]: name,
        [CONTROLLER_UID_LABEL]: uid,
        [LEGACY_CONTROLLER_UID_LABEL]: uid,
      },
      ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name, uid, controller: true, blockOwnerDeletion: true }],
    },
    spec: structuredClone(template.spec ?? {}),
  };
}

export interface JobPods {
  readonly active: KubeObject[];
  readonly succeeded: KubeObject[];
  readonly failed: KubeObject[];
  /** Active pods whose Ready condition is True. */
  readonly ready: number;
}

/** The Job's pods by phase; pods being deleted are neither active nor finished yet. */
export function classifyPods(pods: readonly KubeObject[], jobUid: string): JobPods {
  const owned = pods.filter((p) => p.metadata.ownerReferences?.some((r) => r.controller && r.uid === jobUid));
  const phase = (p: KubeObject) => p.status?.phase;
  const active = owned.filter((p) => phase(p) !== 'Succeeded' && phase(p) !== 'Failed' && !p.metadata.deletionTimestamp);
  return {
    active,
    succeeded: owned.filter((p) => phase(p) === 'Succeeded'),
    failed: owned.filter((p) => phase(p) === 'Failed'),
    ready: active.filter((p) => isTrue(p.status?.conditions, 'Ready')).length,
  };
}

/** With restartPolicy OnFailure failures are container restarts, not Failed pods (as in Kubernetes). */
export function restartCount(pods: readonly KubeObject[]): number {
  let n = 0;
  for (const p of pods) for (const cs of p.status?.containerStatuses ?? []) n += cs.restartCount ?? 0;
  return n;
}

/** Which active pods to delete first when there are too many: unscheduled, then not ready, then newest. */
export function deletionOrder(pods: readonly KubeObject[]): KubeObject[] {
  const rank = (p: KubeObject) => (!p.spec?.nodeName ? 0 : !isTrue(p.status?.conditions, 'Ready') ? 1 : 2);
  return [...pods].sort((a, b) => rank(a) - rank(b) || String(b.metadata.creationTimestamp ?? '').localeCompare(String(a.metadata.creationTimestamp ?? '')));
}
