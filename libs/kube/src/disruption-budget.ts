import { labelSelectorFromSpec, matchesLabels } from './label-selector';
import type { KubeObject } from './object';

/**
 * PodDisruptionBudget arithmetic, shared by the disruption controller (which keeps a budget's
 * status) and the eviction subresource (which spends it). Pure, as kube's disruption
 * controller (pkg/controller/disruption) computes it.
 */

/**
 * How long an eviction's entry in `status.disruptedPods` keeps its pod out of the healthy count
 * while the pod is not yet seen deleted (kube's DeletionTimeout). A pod still there afterwards
 * was not deleted after all, and counts again.
 */
export const DISRUPTION_DELETION_TIMEOUT_MS = 2 * 60_000;

export type IntOrPercent = number | string;

/** A budget whose status cannot be computed (kube's SyncFailed reason carries the message). */
export class BudgetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BudgetError';
  }
}

/**
 * intstr.GetScaledValueFromIntOrPercent: an int is itself, `N%` is N% of `total`, rounded up
 * or down. Budgets round up both minAvailable and maxUnavailable percentages, so 50% of 3
 * pods is 2 either way.
 */
export function scaledValue(value: IntOrPercent, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(value);
  if (!m) throw new BudgetError(`invalid value for IntOrString: invalid value for percent: "${value}"`);
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** The pod's Ready condition is True: what a budget calls healthy. */
export function isPodReady(pod: KubeObject): boolean {
  return (pod.status?.conditions ?? []).some((c: { type?: string; status?: string }) => c.type === 'Ready' && c.status === 'True');
}

/**
 * Whether `pdb` covers `pod`: same namespace and the selector matches. As policy/v1 says, a
 * null selector matches no pods and an empty one every pod of the namespace; an invalid one
 * (validation should have refused it) matches nothing.
 */
export function budgetSelects(pdb: KubeObject, pod: KubeObject): boolean {
  if ((pdb.metadata.namespace ?? '') !== (pod.metadata.namespace ?? '')) return false;
  try {
    return matchesLabels(labelSelectorFromSpec(pdb.spec?.selector), pod.metadata.labels);
  } catch {
    return false;
  }
}

/** The scale of the workload controlling a pod: its uid and desired replicas. */
export interface ControllerScale {
  readonly uid: string;
  readonly replicas: number;
}

/**
 * The controller (Deployment, standalone ReplicaSet, …) whose scale a pod counts towards;
 * undefined when the pod has a controller the budget cannot size (kube: "found no controllers").
 * Only called for pods that have a controller reference.
 */
export type ScaleFinder = (pod: KubeObject) => ControllerScale | undefined;

export interface BudgetCounts {
  /** Pods the budget expects (status.expectedPods). */
  readonly expectedPods: number;
  /** Healthy pods the budget requires (status.desiredHealthy). */
  readonly desiredHealthy: number;
  /** Selected pods without a controller, left out of a percentage's base (kube warns about them). */
  readonly unmanagedPods: readonly string[];
}

/**
 * expectedPods and desiredHealthy (kube's getExpectedPodCount):
 * - `minAvailable: N` — N healthy pods, out of the pods selected now;
 * - `minAvailable: P%` — P% of the controllers' desired scale, rounded up;
 * - `maxUnavailable: N | P%` — the controllers' desired scale minus N (or P% of it, rounded up),
 *   never below 0.
 * The desired scale is the sum of the replicas of the distinct controllers of the selected pods,
 * so a rollout's surge or a pod already evicted does not inflate it.
 */
export function budgetCounts(spec: { minAvailable?: IntOrPercent; maxUnavailable?: IntOrPercent } | undefined, pods: readonly KubeObject[], scaleOf: ScaleFinder): BudgetCounts {
  const maxUnavailable = spec?.maxUnavailable;
  const minAvailable = spec?.minAvailable;
  if (maxUnavailable !== undefined && maxUnavailable !== null) {
    const { expected, unmanaged } = expectedScale(pods, scaleOf);
    const desired = Math.max(0, expected - scaledValue(maxUnavailable, expected, true));
    return { expectedPods: expected, desiredHealthy: desired, unmanagedPods: unmanaged };
  }
  if (typeof minAvailable === 'number') return { expectedPods: pods.length, desiredHealthy: minAvailable, unmanagedPods: [] };
  if (typeof minAvailable === 'string') {
    const { expected, unmanaged } = expectedScale(pods, scaleOf);
    return { expectedPods: expected, desiredHealthy: scaledValue(minAvailable, expected, true), unmanagedPods: unmanaged };
  }
  return { expectedPods: 0, desiredHealthy: 0, unmanagedPods: [] };
}

function expectedScale(pods: readonly KubeObject[], scaleOf: ScaleFinder): { expected: number; unmanaged: string[] } {
  const scales = new Map<string, number>();
  const unmanaged: string[] = [];
  for (const pod of pods) {
    if (!pod.metadata.ownerReferences?.some((r) => r.controller)) {
      unmanaged.push(pod.metadata.name!);
      continue;
    }
    const scale = scaleOf(pod);
    if (!scale) throw new BudgetError(`found no controllers for pod "${pod.metadata.name}"`);
    scales.set(scale.uid, scale.replicas);
  }
  let expected = 0;
  for (const replicas of scales.values()) expected += replicas;
  return { expected, unmanaged };
}

/**
 * Healthy pods: Ready, not being deleted, and not recently evicted (an entry of `disruptedPods`
 * younger than the deletion timeout: the API server has spent budget on it, the deletion may
 * not be visible yet).
 */
export function countHealthy(pods: readonly KubeObject[], disruptedPods: Readonly<Record<string, string>>, now: Date): number {
  let healthy = 0;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const evictedAt = disruptedPods[pod.metadata.name!];
    if (evictedAt !== undefined && Date.parse(evictedAt) + DISRUPTION_DELETION_TIMEOUT_MS > now.getTime()) continue;
    if (isPodReady(pod)) healthy++;
  }
  return healthy;
}

/**
 * The `disruptedPods` entries still pending: their pod exists, is not being deleted yet, and the
 * deletion timeout has not passed. `recheckAt` is when the first of them expires.
 */
export function pendingDisruptions(disruptedPods: Readonly<Record<string, string>> | undefined, pods: readonly KubeObject[], now: Date): { disruptedPods: Record<string, string>; recheckAt?: Date } {
  const pending: Record<string, string> = {};
  let recheckAt: Date | undefined;
  if (!disruptedPods) return { disruptedPods: pending };
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const evictedAt = disruptedPods[pod.metadata.name!];
    if (evictedAt === undefined) continue;
    const expires = Date.parse(evictedAt) + DISRUPTION_DELETION_TIMEOUT_MS;
    if (expires <= now.getTime()) continue;
    pending[pod.metadata.name!] = evictedAt;
    if (!recheckAt || expires < recheckAt.getTime()) recheckAt = new Date(expires);
  }
  return { disruptedPods: pending, ...(recheckAt ? { recheckAt } : {}) };
}

/**
 * Disruptions allowed now: healthy pods beyond the desired ones. Zero while no pod is expected,
 * so a budget whose pods appear before its status is computed is safe rather than open.
 */
export function disruptionsAllowed(currentHealthy: number, desiredHealthy: number, expectedPods: number): number {
  const allowed = currentHealthy - desiredHealthy;
  return expectedPods <= 0 || allowed <= 0 ? 0 : allowed;
}

/** The budget's one condition type and its reasons (policy/v1). */
export const DISRUPTION_ALLOWED = 'DisruptionAllowed';
export type DisruptionAllowedReason = 'SufficientPods' | 'InsufficientPods' | 'SyncFailed';

export interface BudgetCondition {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly observedGeneration?: number;
  readonly lastTransitionTime?: string;
  readonly reason?: string;
  readonly message?: string;
}

/**
 * Sets DisruptionAllowed as metav1's SetStatusCondition does: reason, message and
 * observedGeneration always, lastTransitionTime (`now`, whole seconds) only when the status
 * changes. True with SufficientPods when `reason` is SufficientPods, else False.
 */
export function setDisruptionAllowed(conditions: readonly BudgetCondition[] | undefined, reason: DisruptionAllowedReason, observedGeneration: number, now: string, message = ''): BudgetCondition[] {
  const status = reason === 'SufficientPods' ? 'True' : 'False';
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === DISRUPTION_ALLOWED);
  const prev = i >= 0 ? list[i] : undefined;
  const next: BudgetCondition = {
    type: DISRUPTION_ALLOWED,
    status,
    observedGeneration,
    lastTransitionTime: prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : now,
    reason,
    message,
  };
  if (i >= 0) list[i] = next;
  else list.push(next);
  return list;
}
