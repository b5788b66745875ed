import {
  type CachedChange,
  type Controller,
  type ObjectCache,
  type ReconcileContext,
  type ReconcileResult,
  ClientError,
  controllerOwnerKey,
  keyOf,
  splitKey,
} from '@logbook/components';
import { type KubeObject, type LabelSelector, labelSelectorFromSpec, matchesLabels } from '@logbook/kube';
import { PodExpectations } from './expectations';
import { controllerRef, podFromTemplate } from './pod-from-template';
import { controllerUid, isPodActive, podChangeMatters } from './pods';
import { podsToDelete } from './scale-down-order';
import { replicaSetStatus, statusChanged } from './replicaset-status';
import { slowStartBatch } from './slow-start';

export interface ReplicaSetControllerOptions {
  /** Most pods created or deleted in one reconcile (kube's burstReplicas). */
  readonly burstReplicas?: number;
  readonly workers?: number;
}

/**
 * Keeps `spec.replicas` active pods matching a ReplicaSet's selector (pkg/controller/replicaset):
 * adopts matching orphans, releases owned pods that stopped matching, creates from the template
 * in slow-start batches, deletes in ActivePods order, and reports status.
 */
export class ReplicaSetController implements Controller {
  readonly name = 'replicaset';
  readonly eventSource = 'replicaset-controller';
  readonly primaryKind = 'ReplicaSet';
  readonly watches = ['ReplicaSet', 'Pod'] as const;
  readonly workers?: number;
  private readonly burst: number;
  private readonly expectations = new PodExpectations();

  constructor(options: ReplicaSetControllerOptions = {}) {
    this.burst = options.burstReplicas ?? 500;
    this.workers = options.workers;
  }

  keysFor(change: CachedChange, cache?: ObjectCache): string[] {
    if (change.kind === 'ReplicaSet') {
      const obj = change.after ?? change.before;
      if (!change.after && obj) this.expectations.forget(keyOf(obj));
      return obj ? [keyOf(obj)] : [];
    }
    if (change.kind !== 'Pod') return [];
    const keys = new Set<string>();
    for (const pod of [change.before, change.after]) {
      const key = controllerOwnerKey(pod, 'ReplicaSet');
      if (key) keys.add(key);
    }
    if (change.after) {
      const key = controllerOwnerKey(change.after, 'ReplicaSet');
      if (key) this.expectations.observed(key, change.after.metadata.name!);
    }
    if (!podChangeMatters(change.before, change.after)) return [...keys];
    const pod = change.after;
    if (pod && !controllerUid(pod) && isPodActive(pod)) {
      // An orphan: every ReplicaSet that could adopt it takes a look.
      for (const rs of (cache ?? this.cache)?.list('ReplicaSet', pod.metadata.namespace) ?? []) {
        if (!rs.metadata.deletionTimestamp && matchesLabels(labelSelectorFromSpec(rs.spec?.selector), pod.metadata.labels)) keys.add(keyOf(rs));
      }
    }
    return [...keys];
  }

  /**
   * keysFor has no cache of its own; the host's is the one reconcile reads. Orphans that arrive
   * before the first reconcile are found by that reconcile's scan anyway.
   */
  private cache?: ObjectCache;

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    this.cache = ctx.cache;

    const { namespace, name } = splitKey(key);
    const rs = ctx.cache.get('ReplicaSet', namespace, name);
    if (!rs) {
      this.expectations.forget(key);
      return;
    }
    const now = ctx.now();
    const selector = labelSelectorFromSpec(rs.spec?.selector);
    const needsSync = this.expectations.satisfied(key, namespace, ctx.cache, now.getTime());
    const pods = await this.claimPods(rs, selector, ctx);

    let manageError: unknown;
    if (needsSync && !rs.metadata.deletionTimestamp) {
      try {
        await this.manageReplicas(key, rs, pods, ctx);
      } catch (err) {
        manageError = err;
      }
    }
    const { status, requeueAfterMs } = replicaSetStatus(rs, pods, now, manageError);
    if (statusChanged(rs.status, status)) {
      await ctx.client.updateStatus({ ...structuredClone(rs), status }, ctx.cause);
    }
    if (manageError) throw manageError;
    return requeueAfterMs !== undefined ? { requeueAfterMs } : undefined;
  }

  /** Active pods the ReplicaSet controls after adopting orphans and releasing mismatches. */
  private async claimPods(rs: KubeObject, selector: LabelSelector, ctx: ReconcileContext): Promise<KubeObject[]> {
    const uid = rs.metadata.uid;
    const owned: KubeObject[] = [];
    // Only the pods it controls and the orphans can be its business (indexed, no namespace scan).
    const candidates = [...ctx.cache.controlledBy('Pod', uid!), ...ctx.cache.uncontrolled('Pod', rs.metadata.namespace)];
    for (const pod of candidates) {
      if (!isPodActive(pod) || pod.metadata.namespace !== rs.metadata.namespace) continue;
      const ownerUid = controllerUid(pod);
      const matches = matchesLabels(selector, pod.metadata.labels);
      if (ownerUid === uid) {
        if (matches || rs.metadata.deletionTimestamp) owned.push(pod);
        else await this.release(pod, uid!, ctx);
      } else if (ownerUid === undefined && matches && !rs.metadata.deletionTimestamp) {
        const adopted = await this.adopt(pod, rs, ctx);
        if (adopted) owned.push(adopted);
      }
    }
    return owned;
  }

  private async adopt(pod: KubeObject, rs: KubeObject, ctx: ReconcileContext): Promise<KubeObject | undefined> {
    const copy = structuredClone(pod);
    copy.metadata.ownerReferences = [...(copy.metadata.ownerReferences ?? []), controllerRef(rs)];
    return ignoreGone(ctx.client.update(copy, ctx.cause));
  }

  private async release(pod: KubeObject, uid: string, ctx: ReconcileContext): Promise<void> {
    const copy = structuredClone(pod);
    copy.metadata.ownerReferences = (copy.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
    if (copy.metadata.ownerReferences.length === 0) delete copy.metadata.ownerReferences;
    await ignoreGone(ctx.client.update(copy, ctx.cause));
  }

  private async manageReplicas(key: string, rs: KubeObject, pods: KubeObject[], ctx: ReconcileContext): Promise<void> {
    const diff = pods.length - (rs.spec?.replicas ?? 1);
    const nowMs = ctx.now().getTime();
    if (diff < 0) {
      const count = Math.min(-diff, this.burst);
      const { error } = await slowStartBatch(count, async () => {
        let created: KubeObject;
        try {
          created = await ctx.client.create(podFromTemplate(rs), ctx.cause);
        } catch (err) {
          ctx.recorder.event(rs, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`, ctx.cause);
          throw err;
        }
        ctx.recorder.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`, ctx.cause);
        this.expectations.expectCreated(key, created.metadata.name!, nowMs);
      });
      if (error) throw error;
    } else if (diff > 0) {
      const victims = podsToDelete(pods, Math.min(diff, this.burst));
      const results = await Promise.allSettled(
        victims.map(async (pod) => {
          try {
            await ctx.client.delete('Pod', pod.metadata.namespace, pod.metadata.name!, { ...ctx.cause, preconditions: { uid: pod.metadata.uid } });
          } catch (err) {
            if (!isNotFound(err)) ctx.recorder.event(rs, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`, ctx.cause);
            throw err;
          }
          ctx.recorder.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`, ctx.cause);
          this.expectations.expectDeleted(key, pod.metadata.name!, nowMs);
        }),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected' && !isNotFound(r.reason));
      if (failed) throw failed.reason;
    }
  }
}

function isNotFound(err: unknown): boolean {
  return err instanceof ClientError && err.isNotFound;
}

/** A pod deleted or changed since the cache saw it is the next reconcile's business. */
async function ignoreGone(p: Promise<KubeObject>): Promise<KubeObject | undefined> {
  try {
    return await p;
  } catch (err) {
    if (isNotFound(err) || (err instanceof ClientError && err.isConflict)) return undefined;
    throw err;
  }
}
