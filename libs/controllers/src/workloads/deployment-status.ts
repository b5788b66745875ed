import type { KubeObject } from '@logbook/kube';
import { AVAILABLE, PROGRESSING, Reason, getCondition, newCondition, removeCondition, setCondition } from './conditions';
import { maxUnavailable, replicasOf } from './deployment-util';
import type { DeploymentSync } from './deployment-sync';

/** kube's calculateStatus: counts from the RSs' pods, the Available condition from them. */
export function calculateStatus(s: DeploymentSync, newRS: KubeObject | undefined): any {
  const status: any = structuredClone(s.status);
  const available = s.rss.reduce((n, rs) => n + s.availableActual(rs), 0);
  const total = s.rss.reduce((n, rs) => n + replicasOf(rs), 0);
  status.observedGeneration = s.d.metadata.generation ?? 0;
  status.replicas = s.rss.reduce((n, rs) => n + s.actual(rs), 0);
  status.updatedReplicas = newRS ? s.actual(s.current(newRS)) : 0;
  status.readyReplicas = s.rss.reduce((n, rs) => n + s.ready(rs), 0);
  status.availableReplicas = available;
  status.unavailableReplicas = Math.max(0, total - available);
  if (available >= s.replicas - maxUnavailable(s.d)) {
    setCondition(status, newCondition(AVAILABLE, 'True', Reason.MinimumReplicasAvailable, 'Deployment has minimum availability.', s.nowText));
  } else {
    setCondition(status, newCondition(AVAILABLE, 'False', Reason.MinimumReplicasUnavailable, 'Deployment does not have minimum availability.', s.nowText));
  }
  return status;
}

export function deploymentComplete(d: KubeObject, status: any): boolean {
  const want = replicasOf(d);
  return status.updatedReplicas === want && status.replicas === want && status.availableReplicas === want && (status.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

function deploymentProgressing(d: KubeObject, next: any): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = next.replicas - next.updatedReplicas;
  return next.updatedReplicas > (old.updatedReplicas ?? 0) || newOld < oldOld || next.readyReplicas > (old.readyReplicas ?? 0) || next.availableReplicas > (old.availableReplicas ?? 0);
}

/**
 * kube's syncRolloutStatus (progress.go): the Progressing condition says the rollout is
 * complete, moving (lastUpdateTime refreshed on every step of progress) or stuck past
 * progressDeadlineSeconds. Returns the status and when to look again for the deadline.
 */
export function rolloutStatus(s: DeploymentSync, newRS: KubeObject | undefined): { status: any; deadlineInMs?: number } {
  const d = s.d;
  const status = calculateStatus(s, newRS);
  if (!s.hasProgressDeadline()) {
    removeCondition(status, PROGRESSING);
    return { status };
  }
  const current = getCondition(s.status, PROGRESSING);
  const complete = status.replicas === status.updatedReplicas && current?.reason === Reason.NewReplicaSetAvailable;
  const name = newRS ? `ReplicaSet "${newRS.metadata.name}"` : `Deployment "${d.metadata.name}"`;
  if (!complete) {
    if (deploymentComplete(d, status)) {
      setCondition(status, newCondition(PROGRESSING, 'True', Reason.NewReplicaSetAvailable, `${name} has successfully progressed.`, s.nowText));
    } else if (deploymentProgressing(d, status)) {
      const c = newCondition(PROGRESSING, 'True', Reason.ReplicaSetUpdated, `${name} is progressing.`, s.nowText);
      if (current?.status === 'True') c.lastTransitionTime = current.lastTransitionTime;
      removeCondition(status, PROGRESSING);
      setCondition(status, c);
    } else if (timedOut(s, status)) {
      setCondition(status, newCondition(PROGRESSING, 'False', Reason.ProgressDeadlineExceeded, `${name} has timed out progressing.`, s.nowText));
    }
  }
  return { status, deadlineInMs: deadlineIn(s, status) };
}

function timedOut(s: DeploymentSync, status: any): boolean {
  const c = getCondition(status, PROGRESSING);
  if (!c || c.reason === Reason.NewReplicaSetAvailable) return false;
  if (c.reason === Reason.ProgressDeadlineExceeded) return true;
  return Date.parse(c.lastUpdateTime) + s.d.spec.progressDeadlineSeconds * 1000 < s.now.getTime();
}

/** kube's requeueStuckDeployment: look again when the deadline would pass without progress. */
function deadlineIn(s: DeploymentSync, status: any): number | undefined {
  const c = getCondition(status, PROGRESSING);
  if (!c || c.reason === Reason.NewReplicaSetAvailable || c.reason === Reason.ProgressDeadlineExceeded) return undefined;
  if (deploymentComplete(s.d, status)) return undefined;
  const at = Date.parse(c.lastUpdateTime) + s.d.spec.progressDeadlineSeconds * 1000;
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - s.now.getTime()) + 1000;
}

/** kube's checkPausedConditions: Progressing=Unknown while paused, and again once resumed. */
export function pausedConditions(s: DeploymentSync): void {
  if (!s.hasProgressDeadline()) return;
  const c = getCondition(s.status, PROGRESSING);
  if (c?.reason === Reason.ProgressDeadlineExceeded) return;
  const pausedNoted = c?.reason === Reason.Paused;
  if (s.d.spec?.paused && !pausedNoted) {
    setCondition(s.status, newCondition(PROGRESSING, 'Unknown', Reason.Paused, 'Deployment is paused', s.nowText));
  } else if (!s.d.spec?.paused && pausedNoted) {
    setCondition(s.status, newCondition(PROGRESSING, 'Unknown', Reason.Resumed, 'Deployment is resumed', s.nowText));
  }
}
