import type { KubeObject } from '@logbook/kube';

/** Pods a controller counts: not terminated and not being deleted (kube's FilterActivePods). */
export function isPodActive(pod: KubeObject): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

export function isPodTerminated(pod: KubeObject): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

function readyCondition(pod: KubeObject): { status?: string; lastTransitionTime?: string } | undefined {
  const conditions = pod.status?.conditions;
  return Array.isArray(conditions) ? conditions.find((c: { type?: string }) => c?.type === 'Ready') : undefined;
}

export function isPodReady(pod: KubeObject): boolean {
  return readyCondition(pod)?.status === 'True';
}

/**
 * Available = ready for at least minReadySeconds (kube's IsPodAvailable). `becomesAvailableInMs`
 * tells a controller when to look again for a pod that is ready but not yet available.
 */
export function podAvailability(pod: KubeObject, minReadySeconds: number, now: Date): { available: boolean; becomesAvailableInMs?: number } {
  const cond = readyCondition(pod);
  if (cond?.status !== 'True') return { available: false };
  if (!minReadySeconds) return { available: true };
  const since = cond.lastTransitionTime ? Date.parse(cond.lastTransitionTime) : NaN;
  if (Number.isNaN(since)) return { available: false };
  const at = since + minReadySeconds * 1000;
  return at <= now.getTime() ? { available: true } : { available: false, becomesAvailableInMs: at - now.getTime() };
}

export function isPodAvailable(pod: KubeObject, minReadySeconds: number, now: Date): boolean {
  return podAvailability(pod, minReadySeconds, now).available;
}

/** The uid of the object's controlling owner, if any. */
export function controllerUid(obj: KubeObject): string | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller)?.uid;
}

export function hasControllerOwner(obj: KubeObject): boolean {
  return controllerUid(obj) !== undefined;
}

/**
 * Whether a pod change can matter to a workload controller: readiness, phase, deletion,
 * labels or owners. Bindings and other status noise are not worth a reconcile.
 */
export function podChangeMatters(before: KubeObject | undefined, after: KubeObject | undefined): boolean {
  if (!before || !after) return true;
  const sig = (p: KubeObject) =>
    JSON.stringify([
      isPodReady(p),
      readyCondition(p)?.lastTransitionTime,
      p.status?.phase,
      p.metadata.deletionTimestamp,
      p.metadata.labels,
      p.metadata.ownerReferences,
    ]);
  return sig(before) !== sig(after);
}

/** Seconds-precision RFC 3339, as metav1.Time serialises. */
export function timestamp(now: Date): string {
  return now.toISOString().replace(/\.\d+Z$/, 'Z');
}
