import { type CachedChange, type Controller, type ObjectCache, type ReconcileContext, type ReconcileResult, controllerOwnerKey, keyOf, splitKey } from '@logbook/components';
import { type KubeObject, labelSelectorFromSpec, matchesLabels } from '@logbook/kube';
import { Expectations } from '../../cluster/shared/expectations';
import { ignoreNotFound } from '../../cluster/shared/ignore-not-found';
import { claimPods } from '../claim-pods';
import { CONTROLLER_REVISION_HASH, ensureUpdateRevision, truncateHistory } from '../history/controller-revisions';
import { controllerUid } from '../pods';
import { statusChanged } from '../replicaset-status';
import { slowStartBatch } from '../slow-start';
import { daemonPodFor } from './daemon-pods';
import { type DaemonSetPlan, daemonSetStatus, isRollingUpdate, manage, rollingUpdate } from './daemonset-plan';

export interface DaemonSetControllerOptions {
  /** First and longest wait before a failed daemon pod is replaced on the same node (kube: 1 s, 15 min). */
  readonly failedPodBackoffMs?: { readonly initial: number; readonly max: number };
}

/**
 * Runs one pod of a DaemonSet on every eligible node (pkg/controller/daemon): creates pods for
 * the scheduler to bind (node affinity on the node's name), deletes them from nodes that no
 * longer qualify or no longer exist, replaces failed ones with a per-node back-off, rolls
 * template changes out (RollingUpdate with maxUnavailable/maxSurge, or OnDelete), keeps the
 * ControllerRevision history `kubectl rollout history/undo` reads, and reports status.
 */
export class DaemonSetController implements Controller {
  readonly name = 'daemonset-controller';
  readonly primaryKind = 'DaemonSet';
  readonly watches = ['DaemonSet', 'Pod', 'Node', 'ControllerRevision'] as const;
  private readonly expectations = new Expectations();
  private readonly backoff = new Map<string, { delayMs: number; until: number }>();
  private readonly backoffInitial: number;
  private readonly backoffMax: number;

  constructor(options: DaemonSetControllerOptions = {}) {
    this.backoffInitial = options.failedPodBackoffMs?.initial ?? 1_000;
    this.backoffMax = options.failedPodBackoffMs?.max ?? 15 * 60_000;
  }

  keysFor(change: CachedChange, cache: ObjectCache): string[] {
    const keys = new Set<string>();
    const obj = change.after ?? change.before;
    if (!obj) return [];
    switch (change.kind) {
      case 'DaemonSet':
        keys.add(keyOf(obj));
        break;
      case 'ControllerRevision':
      case 'Pod':
        for (const o of [change.before, change.after]) {
          const key = controllerOwnerKey(o, 'DaemonSet');
          if (key) keys.add(key);
        }
        // An orphan pod: a DaemonSet whose selector matches may adopt it.
        if (change.kind === 'Pod' && change.after && !controllerUid(change.after)) {
          for (const ds of cache.list('DaemonSet', change.after.metadata.namespace)) {
            if (matchesLabels(labelSelectorFromSpec(ds.spec?.selector), change.after.metadata.labels)) keys.add(keyOf(ds));
          }
        }
        break;
      case 'Node':
        // Heartbeats change only the status; what decides placement is labels, taints and existence.
        if (nodeChangeMatters(change.before, change.after)) for (const ds of cache.list('DaemonSet')) keys.add(keyOf(ds));
        break;
    }
    return [...keys];
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const ds = ctx.cache.get('DaemonSet', namespace, name);
    if (!ds) {
      this.expectations.forget(key);
      return;
    }
    // A DaemonSet being deleted leaves its pods to the garbage collector.
    if (ds.metadata.deletionTimestamp) return;
    const now = ctx.now();
    const nodes = ctx.cache.list('Node');
    const revisions = ctx.cache.controlledBy('ControllerRevision', ds.metadata.uid!);
    const { revision, collisionCount } = await ensureUpdateRevision(ds, revisions, ctx);
    const hash = revision.metadata.labels?.[CONTROLLER_REVISION_HASH] ?? '';
    const pods = await claimPods(ds, ctx);

    let requeueAfterMs: number | undefined;
    if (this.expectations.satisfied(key, ctx.cache, now.getTime())) {
      let plan = manage(ds, nodes, pods, hash);
      requeueAfterMs = await this.replaceFailed(ds, plan, ctx);
      if (plan.createOn.length === 0 && plan.remove.length === 0 && plan.failed.length === 0 && isRollingUpdate(ds)) plan = rollingUpdate(ds, nodes, pods, hash, now);
      await this.apply(key, ds, plan, hash, ctx);
      const live = new Set([revision.metadata.name!, ...revisions.filter((r) => pods.some((p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH] === r.metadata.labels?.[CONTROLLER_REVISION_HASH])).map((r) => r.metadata.name!)]);
      await truncateHistory(ds, [...revisions.filter((r) => r.metadata.uid !== revision.metadata.uid), revision], live, ctx);
    }

    const { status, nextAvailableInMs } = daemonSetStatus(ds, nodes, pods, hash, now, collisionCount);
    if (statusChanged(ds.status, status)) await ctx.client.updateStatus({ ...structuredClone(ds), status }, ctx.cause);
    const after = Math.min(requeueAfterMs ?? Infinity, nextAvailableInMs ?? Infinity);
    return Number.isFinite(after) ? { requeueAfterMs: after } : undefined;
  }

  /** Failed pods go once their node's back-off allows (1 s doubling to 15 min); the ms until the next may. */
  private async replaceFailed(ds: KubeObject, plan: DaemonSetPlan, ctx: ReconcileContext): Promise<number | undefined> {
    const nowMs = ctx.now().getTime();
    let wait: number | undefined;
    for (const { node, pod } of plan.failed) {
      const k = `${ds.metadata.uid}/${node}`;
      const b = this.backoff.get(k);
      if (b && b.until > nowMs) {
        wait = Math.min(wait ?? Infinity, b.until - nowMs);
        continue;
      }
      const delayMs = b ? Math.min(b.delayMs * 2, this.backoffMax) : this.backoffInitial;
      this.backoff.set(k, { delayMs, until: nowMs + delayMs });
      ctx.log.info({ daemonset: keyOf(ds), pod: pod.metadata.name, node }, 'daemon pod failed; deleting it so that a new one starts');
      ctx.recorder.event(ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${keyOf(pod)} on node ${node}, will try to kill it`, ctx.cause);
      plan.remove.push(pod);
    }
    return wait;
  }

  private async apply(key: string, ds: KubeObject, plan: DaemonSetPlan, hash: string, ctx: ReconcileContext): Promise<void> {
    const nowMs = ctx.now().getTime();
    const expected: { kind: string; namespace?: string; name: string; uid: string; create: boolean }[] = [];
    const ref = (o: KubeObject, create: boolean) => ({ kind: 'Pod', namespace: o.metadata.namespace, name: o.metadata.name!, uid: o.metadata.uid!, create });
    const deletes = await Promise.allSettled(
      plan.remove.map(async (pod) => {
        if (!(await ignoreNotFound(ctx.client.delete('Pod', pod.metadata.namespace, pod.metadata.name!, { ...ctx.cause, preconditions: { uid: pod.metadata.uid } })))) return;
        expected.push(ref(pod, false));
        ctx.recorder.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`, ctx.cause);
      }),
    );
    let next = 0;
    const { error } = await slowStartBatch(plan.createOn.length, async () => {
      const node = plan.createOn[next++];
      let created: KubeObject;
      try {
        created = await ctx.client.create(daemonPodFor(ds, node, hash), ctx.cause);
      } catch (err) {
        ctx.recorder.event(ds, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`, ctx.cause);
        throw err;
      }
      expected.push(ref(created, true));
      ctx.recorder.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`, ctx.cause);
    });
    this.expectations.expect(key, expected, nowMs);
    const failed = deletes.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (error ?? failed) throw error ?? failed!.reason;
  }
}

function nodeChangeMatters(before: KubeObject | undefined, after: KubeObject | undefined): boolean {
  if (!before || !after) return true;
  const sig = (n: KubeObject) => JSON.stringify([n.metadata.labels ?? {}, n.spec?.taints ?? []]);
  return sig(before) !== sig(after);
}
