import type { KubeObject } from '@logbook/kube';

export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  timeAdded?: string;
}

export interface Toleration {
  key?: string;
  operator?: 'Equal' | 'Exists';
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';
export const NOT_READY_TAINT = 'node.kubernetes.io/not-ready';
export const UNSCHEDULABLE_TAINT = 'node.kubernetes.io/unschedulable';
/** The taints that follow the Ready condition (and stand in for DefaultTolerationSeconds). */
export const LIFECYCLE_TAINT_KEYS: readonly string[] = [UNREACHABLE_TAINT, NOT_READY_TAINT];
/** The taints this controller owns; it adds and removes them, and leaves every other alone. */
export const OWNED_TAINT_KEYS: readonly string[] = [...LIFECYCLE_TAINT_KEYS, UNSCHEDULABLE_TAINT];

/** Kubernetes' Toleration.ToleratesTaint. */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if ((t.operator ?? 'Equal') === 'Exists') return !t.key || t.key === taint.key;
  return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
}

/**
 * When a pod must leave a node with these taints (Kubernetes' taint manager), in epoch ms:
 * undefined when it tolerates every NoExecute taint forever. An untolerated lifecycle taint
 * gets `defaultSeconds`, standing in for the tolerations Kubernetes' DefaultTolerationSeconds
 * admission adds to every pod; any other untolerated NoExecute taint evicts at once.
 */
export function evictionDeadline(pod: KubeObject, taints: readonly Taint[], defaultSeconds: number): number | undefined {
  const tolerations: Toleration[] = pod.spec?.tolerations ?? [];
  let deadline: number | undefined;
  for (const taint of taints.filter((t) => t.effect === 'NoExecute')) {
    const added = taint.timeAdded ? Date.parse(taint.timeAdded) : 0;
    const matching = tolerations.filter((t) => tolerates(t, taint));
    // As getMinTolerationTime: the shortest tolerationSeconds wins; none at all means forever.
    const limited = matching.filter((t) => t.tolerationSeconds !== undefined && t.tolerationSeconds !== null).map((t) => Math.max(0, t.tolerationSeconds!));
    let seconds: number | undefined;
    if (matching.length === 0) seconds = LIFECYCLE_TAINT_KEYS.includes(taint.key) ? defaultSeconds : 0;
    else if (limited.length > 0) seconds = Math.min(...limited);
    if (seconds === undefined) continue;
    const at = added + seconds * 1000;
    deadline = deadline === undefined ? at : Math.min(deadline, at);
  }
  return deadline;
}

/**
 * As Kubernetes' TaintNodesByCondition: a cordoned node (`spec.unschedulable`, what `kubectl
 * cordon` sets) carries node.kubernetes.io/unschedulable:NoSchedule, which `kubectl describe
 * node` shows. The scheduler filters cordoned nodes by the field itself (NodeUnschedulable).
 */
export function desiredUnschedulableTaint(node: KubeObject, existing: readonly Taint[], now: string): Taint[] {
  if (!node.spec?.unschedulable) return [];
  return [existing.find((t) => t.key === UNSCHEDULABLE_TAINT && t.effect === 'NoSchedule') ?? { key: UNSCHEDULABLE_TAINT, effect: 'NoSchedule', timeAdded: now }];
}

/** The lifecycle taints a node should carry for its Ready condition status. */
export function desiredLifecycleTaints(readyStatus: string | undefined, existing: readonly Taint[], now: string): Taint[] {
  const key = readyStatus === 'Unknown' ? UNREACHABLE_TAINT : readyStatus === 'False' ? NOT_READY_TAINT : undefined;
  if (!key) return [];
  // Keep the original timeAdded: eviction deadlines count from it.
  const keep = (effect: Taint['effect']): Taint => existing.find((t) => t.key === key && t.effect === effect) ?? { key, effect, timeAdded: now };
  return [keep('NoSchedule'), keep('NoExecute')];
}
