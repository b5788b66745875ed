import { ApiError, type KubeObject, setDisruptionAllowed } from '@logbook/kube';

/** kube's MaxDisruptedPodSize: beyond it the controller is not confirming evictions. */
export const MAX_DISRUPTED_PODS = 2000;
export const EVICTION_REFUSED = "Cannot evict pod as it would violate the pod's disruption budget.";

/** kube's createTooManyRequestsError: the budget's status is older than its spec (Retry-After 10 s). */
export function budgetNotProcessed(budget: string): ApiError {
  return ApiError.tooManyRequests(EVICTION_REFUSED, [{ reason: 'DisruptionBudget', message: `The disruption budget ${budget} is still being processed by the server.` }], 10);
}

/**
 * The budget's status after one eviction spends a disruption (kube's checkAndDecrement):
 * disruptionsAllowed goes down by one and the pod enters `status.disruptedPods`, so the
 * disruption controller counts it as gone until it sees it deleted. Pure; `now` is RFC 3339.
 *
 * Refused with 429 TooManyRequests when the budget allows no disruption now or its status does
 * not yet reflect its spec (kubectl drain retries those), 403 when the status is unusable.
 * The writer runs this under the budget's lock and appends with the budget stream's expected
 * revision, so two evictions never both spend the last disruption.
 */
export function spendDisruption(pdb: KubeObject, podName: string, now: string): KubeObject {
  const name = pdb.metadata.name!;
  const status = pdb.status ?? {};
  const allowed: number = status.disruptionsAllowed ?? 0;
  if ((status.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0)) throw budgetNotProcessed(name);
  if (allowed < 0) throw forbidden(name, 'pdb disruptions allowed is negative');
  if (Object.keys(status.disruptedPods ?? {}).length > MAX_DISRUPTED_PODS) {
    throw forbidden(name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
  }
  if (allowed === 0) {
    throw ApiError.tooManyRequests(EVICTION_REFUSED, [
      { reason: 'DisruptionBudget', message: `The disruption budget ${name} needs ${status.desiredHealthy ?? 0} healthy pods and has ${status.currentHealthy ?? 0} currently` },
    ]);
  }
  const next = { ...status, disruptionsAllowed: allowed - 1, disruptedPods: { ...status.disruptedPods, [podName]: now } };
  if (next.disruptionsAllowed === 0) next.conditions = setDisruptionAllowed(status.conditions, 'InsufficientPods', status.observedGeneration ?? 0, now);
  return { ...pdb, status: next };
}

function forbidden(budget: string, why: string): ApiError {
  return new ApiError(403, 'Forbidden', `poddisruptionbudgets.policy "${budget}" is forbidden: ${why}`, { name: budget, group: 'policy', kind: 'poddisruptionbudgets' });
}
