export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastProbeTime?: string;
  lastHeartbeatTime?: string;
  lastUpdateTime?: string;
}

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === 'True';
}

/**
 * Sets a condition, keeping lastTransitionTime when the status does not change (as Kubernetes'
 * meta.SetStatusCondition does), so a repeated reconcile writes nothing new.
 */
export function setCondition(conditions: readonly Condition[] | undefined, next: Condition, now: string): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === next.type);
  const prev = i >= 0 ? list[i] : undefined;
  const merged: Condition = { ...prev, ...next, lastTransitionTime: prev && prev.status === next.status ? prev.lastTransitionTime ?? now : now };
  if (i >= 0) list[i] = merged;
  else list.push(merged);
  return list;
}

/** Object timestamps are whole seconds in Kubernetes (metav1.Time). */
export function toSeconds(d: Date): string {
  return new Date(Math.floor(d.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
