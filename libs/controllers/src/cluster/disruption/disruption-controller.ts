import { type CachedChange, type Controller, type ObjectCache, type ReconcileContext, type ReconcileResult, keyOf, splitKey } from '@logbook/components';
import {
  BudgetError,
  type ControllerScale,
  type KubeObject,
  budgetCounts,
  budgetSelects,
  countHealthy,
  disruptionsAllowed,
  isPodReady,
  pendingDisruptions,
  setDisruptionAllowed,
} from '@logbook/kube';
import { toSeconds } from '../shared/conditions';
import { sameJson } from '../shared/same-json';

const BUDGET = 'PodDisruptionBudget';

/**
 * The disruption controller (kube's pkg/controller/disruption): keeps each PodDisruptionBudget's
 * status current from the pods its selector matches — currentHealthy (Ready, not being deleted,
 * not just evicted), desiredHealthy and expectedPods (from minAvailable/maxUnavailable and, for
 * percentages and maxUnavailable, the desired scale of the pods' Deployments or ReplicaSets),
 * disruptionsAllowed, observedGeneration, the DisruptionAllowed condition — and forgets
 * `disruptedPods` entries once their pods are seen deleted or two minutes have passed.
 *
 * The eviction subresource spends disruptions between two runs. Each status write carries the
 * budget's resourceVersion, so a write computed before an eviction's is refused (409) and redone
 * from the newer budget, never overwriting what the eviction spent.
 */
export class DisruptionController implements Controller {
  readonly name = 'disruption-controller';
  readonly primaryKind = BUDGET;
  readonly watches = [BUDGET, 'Pod', 'ReplicaSet', 'Deployment'] as const;

  keysFor(change: CachedChange, cache: ObjectCache): string[] {
    const obj = (change.after ?? change.before)!;
    if (change.kind === BUDGET) return [keyOf(obj)];
    const budgets = cache.list(BUDGET, obj.metadata.namespace ?? '');
    if (budgets.length === 0) return [];
    if (change.kind === 'Pod') {
      // Status noise (probes, restarts) that leaves readiness alone changes no budget.
      if (change.before && change.after && sameJson(budgetView(change.before), budgetView(change.after))) return [];
      return budgets.filter((b) => [change.before, change.after].some((pod) => pod && budgetSelects(b, pod))).map(keyOf);
    }
    // A Deployment or ReplicaSet resized: the base of percentages and maxUnavailable moved.
    if (change.before && change.after && change.before.spec?.replicas === change.after.spec?.replicas) return [];
    return budgets.filter(sizedByScale).map(keyOf);
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const pdb = ctx.cache.get(BUDGET, namespace, name);
    if (!pdb || pdb.metadata.deletionTimestamp) return;
    const now = ctx.now();
    const stamp = toSeconds(now);
    const pods = ctx.cache.list('Pod', namespace).filter((pod) => budgetSelects(pdb, pod));
    let counts;
    try {
      counts = budgetCounts(pdb.spec, pods, (pod) => scaleOf(ctx.cache, pod));
    } catch (err) {
      if (!(err instanceof BudgetError)) throw err;
      // kube's failSafe: allow nothing, say why, and wait for a change of the pods or controllers.
      ctx.log.warn({ budget: key, err: err.message }, 'cannot compute the disruption budget; allowing no disruption');
      return this.write(ctx, pdb, { ...pdb.status, disruptionsAllowed: 0, conditions: setDisruptionAllowed(pdb.status?.conditions, 'SyncFailed', pdb.status?.observedGeneration ?? 0, stamp, err.message) });
    }
    if (counts.unmanagedPods.length > 0) ctx.log.warn({ budget: key, pods: counts.unmanagedPods }, 'pods without a controller are left out of the budget\u2019s percentage');
    const pending = pendingDisruptions(pdb.status?.disruptedPods, pods, now);
    const currentHealthy = countHealthy(pods, pending.disruptedPods, now);
    const allowed = disruptionsAllowed(currentHealthy, counts.desiredHealthy, counts.expectedPods);
    const generation = pdb.metadata.generation ?? 0;
    await this.write(ctx, pdb, {
      observedGeneration: generation,
      ...(Object.keys(pending.disruptedPods).length > 0 ? { disruptedPods: pending.disruptedPods } : {}),
      disruptionsAllowed: allowed,
      currentHealthy,
      desiredHealthy: counts.desiredHealthy,
      expectedPods: counts.expectedPods,
      conditions: setDisruptionAllowed(pdb.status?.conditions, allowed > 0 ? 'SufficientPods' : 'InsufficientPods', generation, stamp),
    });
    // An eviction whose pod is still there after the timeout stops counting against the budget then.
    if (pending.recheckAt) return { requeueAfterMs: Math.max(0, pending.recheckAt.getTime() - now.getTime()) };
  }

  private async write(ctx: ReconcileContext, pdb: KubeObject, status: Record<string, unknown>): Promise<void> {
    if (sameJson(pdb.status ?? {}, status)) return;
    await ctx.client.updateStatus({ ...pdb, status }, ctx.cause);
  }
}

/** What of a pod a budget counts. */
function budgetView(pod: KubeObject): unknown {
  return {
    labels: pod.metadata.labels ?? {},
    ready: isPodReady(pod),
    deleting: !!pod.metadata.deletionTimestamp,
    controller: pod.metadata.ownerReferences?.find((r) => r.controller)?.uid,
  };
}

/** Budgets whose counts depend on the controllers' desired scale. */
function sizedByScale(pdb: KubeObject): boolean {
  const { minAvailable, maxUnavailable } = pdb.spec ?? {};
  return (maxUnavailable !== undefined && maxUnavailable !== null) || typeof minAvailable === 'string';
}

/**
 * The desired scale a pod counts towards (kube's finders): its ReplicaSet's Deployment, or the
 * ReplicaSet itself when no Deployment controls it. Undefined for any other controller (a Job
 * has no scale), which makes a percentage budget over such pods fail safe.
 */
function scaleOf(cache: ObjectCache, pod: KubeObject): ControllerScale | undefined {
  const namespace = pod.metadata.namespace;
  const ref = pod.metadata.ownerReferences?.find((r) => r.controller);
  if (ref?.kind !== 'ReplicaSet') return undefined;
  const rs = cache.get('ReplicaSet', namespace, ref.name);
  if (!rs || rs.metadata.uid !== ref.uid) return undefined;
  const owner = rs.metadata.ownerReferences?.find((r) => r.controller);
  if (!owner) return { uid: rs.metadata.uid!, replicas: rs.spec?.replicas ?? 1 };
  if (owner.kind !== 'Deployment') return undefined;
  const deployment = cache.get('Deployment', namespace, owner.name);
  if (!deployment || deployment.metadata.uid !== owner.uid) return undefined;
  return { uid: deployment.metadata.uid!, replicas: deployment.spec?.replicas ?? 1 };
}
