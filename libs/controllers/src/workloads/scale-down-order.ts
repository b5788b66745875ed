import type { KubeObject } from '@logbook/kube';
import { isPodReady } from './pods';

const phaseOrdinal: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function readyTime(pod: KubeObject): number {
  const c = (pod.status?.conditions ?? []).find((x: { type?: string }) => x?.type === 'Ready');
  return c?.lastTransitionTime ? Date.parse(c.lastTransitionTime) : 0;
}

function maxRestarts(pod: KubeObject): number {
  return Math.max(0, ...(pod.status?.containerStatuses ?? []).map((s: { restartCount?: number }) => s?.restartCount ?? 0));
}

function created(pod: KubeObject): number {
  return pod.metadata.creationTimestamp ? Date.parse(pod.metadata.creationTimestamp) : 0;
}

/** "Later or unset first": an unset time sorts before any set one, then newest first. */
function laterOrZeroFirst(a: number, b: number): number {
  if (a === b) return 0;
  if (a === 0) return -1;
  if (b === 0) return 1;
  return b - a;
}

/**
 * kube's ActivePods order: the pods to delete first come first. Unscheduled before scheduled,
 * Pending < Unknown < Running, not ready before ready, ready for less time before longer,
 * more restarts before fewer, newest before oldest.
 */
export function compareForDeletion(a: KubeObject, b: KubeObject): number {
  const na = a.spec?.nodeName ?? '';
  const nb = b.spec?.nodeName ?? '';
  if (na !== nb && (na === '' || nb === '')) return na === '' ? -1 : 1;
  const pa = phaseOrdinal[a.status?.phase] ?? 0;
  const pb = phaseOrdinal[b.status?.phase] ?? 0;
  if (pa !== pb) return pa - pb;
  const ra = isPodReady(a);
  const rb = isPodReady(b);
  if (ra !== rb) return ra ? 1 : -1;
  if (ra && rb) {
    const byReady = laterOrZeroFirst(readyTime(a), readyTime(b));
    if (byReady !== 0) return byReady;
  }
  const restarts = maxRestarts(b) - maxRestarts(a);
  if (restarts !== 0) return restarts;
  return laterOrZeroFirst(created(a), created(b));
}

export function podsToDelete(pods: readonly KubeObject[], count: number): KubeObject[] {
  return [...pods].sort(compareForDeletion).slice(0, Math.max(0, count));
}
