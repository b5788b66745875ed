import { type KubeObject, labelSelectorFromSpec, matchesLabels } from '@logbook/kube';
import { isPodReady, podAvailability, timestamp } from './pods';

/** kube's calculateStatus for a ReplicaSet from the active pods it controls. */
export function replicaSetStatus(rs: KubeObject, pods: readonly KubeObject[], now: Date, manageError?: unknown): { status: any; requeueAfterMs?: number } {
  const minReady = rs.spec?.minReadySeconds ?? 0;
  const templateLabels = rs.spec?.template?.metadata?.labels ?? {};
  const fullyLabeled = labelSelectorFromSpec({ matchLabels: templateLabels });
  let labeled = 0;
  let ready = 0;
  let available = 0;
  let soonest: number | undefined;
  for (const pod of pods) {
    if (matchesLabels(fullyLabeled, pod.metadata.labels)) labeled++;
    if (!isPodReady(pod)) continue;
    ready++;
    const a = podAvailability(pod, minReady, now);
    if (a.available) available++;
    else if (a.becomesAvailableInMs !== undefined) soonest = Math.min(soonest ?? Infinity, a.becomesAvailableInMs);
  }
  const status: any = { ...(rs.status ?? {}) };
  status.replicas = pods.length;
  status.fullyLabeledReplicas = labeled;
  status.readyReplicas = ready;
  status.availableReplicas = available;
  status.observedGeneration = rs.metadata.generation ?? 0;
  const others = (status.conditions ?? []).filter((c: { type: string }) => c.type !== 'ReplicaFailure');
  const failure = (status.conditions ?? []).find((c: { type: string }) => c.type === 'ReplicaFailure');
  if (manageError && !failure) {
    const diff = pods.length - (rs.spec?.replicas ?? 1);
    const reason = diff < 0 ? 'FailedCreate' : 'FailedDelete';
    others.push({ type: 'ReplicaFailure', status: 'True', reason, message: (manageError as Error).message ?? String(manageError), lastTransitionTime: timestamp(now) });
    status.conditions = others;
  } else if (!manageError && failure) {
    status.conditions = others;
  }
  if (status.conditions?.length === 0) delete status.conditions;
  // Kube requeues after minReadySeconds once all are ready but not yet all available.
  return soonest !== undefined ? { status, requeueAfterMs: soonest } : { status };
}

export function statusChanged(before: unknown, after: unknown): boolean {
  return canonical(before ?? {}) !== canonical(after ?? {});
}

export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, val) =>
    val && typeof val === 'object' && !Array.isArray(val) ? Object.fromEntries(Object.keys(val).sort().map((k) => [k, val[k]])) : val,
  );
}
