import { type CachedChange, ClientError, type Controller, type ObjectCache, type ReconcileContext, type ReconcileResult, controllerOwnerKey, keyOf, splitKey } from '@logbook/components';
import { type KubeObject, labelSelectorFromSpec, matchesLabels } from '@logbook/kube';
import { Expectations } from '../../cluster/shared/expectations';
import { claimPods } from '../claim-pods';
import { ensureUpdateRevision, templateOfRevision, truncateHistory } from '../history/controller-revisions';
import { controllerUid } from '../pods';
import { statusChanged } from '../replicaset-status';
import { type StatefulSetPlan, planStatefulSet } from './statefulset-plan';
import { ordinalOf, replicasOf, revisionOfPod, startOrdinal } from './stateful-pods';
import { claimRetention, claimTemplates, scaledDownOwners, statefulClaims } from './stateful-claims';

type Expected = { kind: string; namespace?: string; name: string; uid: string; create: boolean };

/**
 * StatefulSets (pkg/controller/statefulset): pods `<set>-0 … <set>-N-1` with stable names and
 * identity labels, created in order and each only once its predecessors are Running and Ready
 * (OrderedReady) or all at once (Parallel), removed from the highest ordinal down, rolled to a
 * new template from the highest ordinal down to the partition (RollingUpdate) or replaced only
 * when deleted (OnDelete). Revisions are ControllerRevisions; pods carry theirs in
 * `controller-revision-hash`. Each pod's claims (`<template>-<set>-<ordinal>`, from
 * volumeClaimTemplates) are created before the pod and outlive it; the retention policy's
 * WhenDeleted/WhenScaled=Delete hand them to the garbage collector through owner references.
 */
export class StatefulSetController implements Controller {
  readonly name = 'statefulset-controller';
  readonly primaryKind = 'StatefulSet';
  readonly watches = ['StatefulSet', 'Pod', 'ControllerRevision', 'PersistentVolumeClaim'] as const;
  private readonly expectations = new Expectations();

  keysFor(change: CachedChange, cache: ObjectCache): string[] {
    const keys = new Set<string>();
    const obj = change.after ?? change.before;
    if (!obj) return [];
    if (change.kind === 'StatefulSet') return [keyOf(obj)];
    // A claim that finished deleting may unblock the pod waiting for it (claims carry no controller reference).
    if (change.kind === 'PersistentVolumeClaim') {
      if (change.after) return [];
      return cache.list('StatefulSet', obj.metadata.namespace).filter((s) => claimTemplates(s).length > 0).map(keyOf);
    }
    for (const o of [change.before, change.after]) {
      const key = controllerOwnerKey(o, 'StatefulSet');
      if (key) keys.add(key);
    }
    if (change.kind === 'Pod' && change.after && !controllerUid(change.after)) {
      for (const set of cache.list('StatefulSet', change.after.metadata.namespace)) {
        if (matchesLabels(labelSelectorFromSpec(set.spec?.selector), change.after.metadata.labels)) keys.add(keyOf(set));
      }
    }
    return [...keys];
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const set = ctx.cache.get('StatefulSet', namespace, name);
    if (!set) {
      this.expectations.forget(key);
      return;
    }
    // A StatefulSet being deleted leaves its pods to the garbage collector.
    if (set.metadata.deletionTimestamp) return;
    const now = ctx.now();
    const revisions = ctx.cache.controlledBy('ControllerRevision', set.metadata.uid!);
    const { revision: updateRev, collisionCount } = await ensureUpdateRevision(set, revisions, ctx);
    const currentRev = revisions.find((r) => r.metadata.name === set.status?.currentRevision) ?? updateRev;
    const pods = await claimPods(set, ctx);

    const ref = (r: KubeObject) => ({ name: r.metadata.name!, template: templateOfRevision(r) });
    const planned = planStatefulSet(set, pods, ref(currentRev), ref(updateRev), collisionCount, now);
    if (this.expectations.satisfied(key, ctx.cache, now.getTime())) {
      await this.apply(key, set, planned.plan, ctx);
      const live = new Set([currentRev.metadata.name!, updateRev.metadata.name!, ...pods.map(revisionOfPod).filter((n): n is string => !!n)]);
      await truncateHistory(set, [...revisions.filter((r) => r.metadata.uid !== updateRev.metadata.uid), updateRev], live, ctx);
    }
    if (statusChanged(set.status, planned.status)) await ctx.client.updateStatus({ ...structuredClone(set), status: planned.status }, ctx.cause);
    return planned.nextAvailableInMs !== undefined ? { requeueAfterMs: planned.nextAvailableInMs } : undefined;
  }

  private async apply(key: string, set: KubeObject, plan: StatefulSetPlan, ctx: ReconcileContext): Promise<void> {
    // kube's StatefulSet event wording: "create Pod web-0 in StatefulSet web successful".
    const said = (verb: 'create' | 'delete', pod: KubeObject, err?: unknown) =>
      err === undefined
        ? ctx.recorder.event(set, 'Normal', verb === 'create' ? 'SuccessfulCreate' : 'SuccessfulDelete', `${verb} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`, ctx.cause)
        : ctx.recorder.event(set, 'Warning', verb === 'create' ? 'FailedCreate' : 'FailedDelete', `${verb} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${(err as Error).message}`, ctx.cause);
    const expected: Expected[] = [];
    const ref = (o: KubeObject, create: boolean): Expected => ({ kind: 'Pod', namespace: o.metadata.namespace, name: o.metadata.name!, uid: o.metadata.uid!, create });
    const results = await Promise.allSettled([
      ...plan.remove.map(async (pod) => {
        // The uid precondition: a pod re-created under the same name is not the one we meant.
        try {
          await this.releaseClaimsOnScaleDown(set, pod, ctx);
          if (await gone(ctx.client.delete('Pod', pod.metadata.namespace, pod.metadata.name!, { ...ctx.cause, preconditions: { uid: pod.metadata.uid } }))) return;
        } catch (err) {
          said('delete', pod, err);
          throw err;
        }
        expected.push(ref(pod, false));
        said('delete', pod);
      }),
      ...plan.create.map(async (pod) => {
        try {
          await this.createClaims(set, pod, ctx);
          expected.push(ref(await ctx.client.create(pod, ctx.cause), true));
          said('create', pod);
        } catch (err) {
          // Stable names: the pod exists already, and the cache will show it.
          if (!(err instanceof ClientError && err.reason === 'AlreadyExists')) {
            said('create', pod, err);
            throw err;
          }
        }
      }),
      ...plan.relabel.map((pod) => gone(ctx.client.update(pod, ctx.cause))),
    ]);
    this.expectations.expect(key, expected, ctx.now().getTime());
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /**
   * kube's createPersistentVolumeClaims: every claim of the pod exists before the pod does; an
   * existing one is used as it is, one still being deleted holds the pod back.
   */
  private async createClaims(set: KubeObject, pod: KubeObject, ctx: ReconcileContext): Promise<void> {
    for (const claim of statefulClaims(set, ordinalOf(set, pod))) {
      const existing = ctx.cache.get('PersistentVolumeClaim', claim.metadata.namespace, claim.metadata.name!);
      if (existing?.metadata.deletionTimestamp) throw new Error(`pvc ${claim.metadata.name} is being deleted`);
      if (existing) continue;
      const said = (err?: unknown) =>
        err === undefined
          ? ctx.recorder.event(set, 'Normal', 'SuccessfulCreate', `create Claim ${claim.metadata.name} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} success`, ctx.cause)
          : ctx.recorder.event(set, 'Warning', 'FailedCreate', `create Claim ${claim.metadata.name} for Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${(err as Error).message}`, ctx.cause);
      try {
        await ctx.client.create(claim, ctx.cause);
        said();
      } catch (err) {
        if (err instanceof ClientError && err.reason === 'AlreadyExists') continue;
        said(err);
        throw err;
      }
    }
  }

  /** WhenScaled=Delete: a pod removed by a scale down takes its claims with it (its owner reference, not the set's). */
  private async releaseClaimsOnScaleDown(set: KubeObject, pod: KubeObject, ctx: ReconcileContext): Promise<void> {
    if (claimRetention(set).whenScaled !== 'Delete') return;
    const ord = ordinalOf(set, pod);
    if (ord >= startOrdinal(set) && ord < startOrdinal(set) + replicasOf(set)) return; // replaced, not scaled away
    for (const template of statefulClaims(set, ord)) {
      const claim = ctx.cache.get('PersistentVolumeClaim', template.metadata.namespace, template.metadata.name!);
      if (!claim || claim.metadata.ownerReferences?.some((r) => r.uid === pod.metadata.uid)) continue;
      await ctx.client.update({ ...structuredClone(claim), metadata: { ...structuredClone(claim.metadata), ownerReferences: scaledDownOwners(claim, set, pod) } }, ctx.cause);
    }
  }
}

/** True when the target was already gone or changed (404/409): the next reconcile sees the truth. */
async function gone(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return false;
  } catch (err) {
    if (err instanceof ClientError && (err.isNotFound || err.isConflict)) return true;
    throw err;
  }
}
