import {
  type CachedChange,
  type Controller,
  type ObjectCache,
  type ReconcileContext,
  type ReconcileResult,
  controllerOwnerKey,
  keyOf,
  splitKey,
} from '@logbook/components';
import type { KubeObject } from '@logbook/kube';
import { REVISION } from './deployment-util';
import { DeploymentSync } from './deployment-sync';
import { calculateStatus, deploymentComplete, pausedConditions, rolloutStatus } from './deployment-status';
import { podChangeMatters } from './pods';
import { isScalingEvent, scaleDeployment } from './proportional-scale';
import { rolloutRecreate } from './recreate';
import { statusChanged } from './replicaset-status';
import { cleanupOldReplicaSets } from './revision-history';
import { rolloutRolling } from './rolling';

export interface DeploymentControllerOptions {
  readonly workers?: number;
}

/**
 * Rolls Deployments out through ReplicaSets (pkg/controller/deployment): one RS per pod
 * template (named by its hash), RollingUpdate or Recreate between them, revisions for
 * `kubectl rollout history/undo`, and the status `kubectl rollout status` waits on.
 */
export class DeploymentController implements Controller {
  readonly name = 'deployment';
  readonly eventSource = 'deployment-controller';
  readonly primaryKind = 'Deployment';
  readonly watches = ['Deployment', 'ReplicaSet', 'Pod'] as const;
  readonly workers?: number;
  /** keysFor maps pod → RS → Deployment through the cache reconcile reads (see ReplicaSetController). */
  private cache?: ObjectCache;

  constructor(options: DeploymentControllerOptions = {}) {
    this.workers = options.workers;
  }

  keysFor(change: CachedChange, cache?: ObjectCache): string[] {
    const keys = new Set<string>();
    if (change.kind === 'Deployment') {
      const obj = change.after ?? change.before;
      if (obj) keys.add(keyOf(obj));
    } else if (change.kind === 'ReplicaSet') {
      for (const rs of [change.before, change.after]) {
        const key = controllerOwnerKey(rs, 'Deployment');
        if (key) keys.add(key);
      }
    } else if (change.kind === 'Pod' && podChangeMatters(change.before, change.after)) {
      const c = cache ?? this.cache;
      for (const pod of [change.before, change.after]) {
        const rsKey = controllerOwnerKey(pod, 'ReplicaSet');
        if (!rsKey || !c) continue;
        const { namespace, name } = splitKey(rsKey);
        const key = controllerOwnerKey(c.get('ReplicaSet', namespace, name), 'Deployment');
        if (key) keys.add(key);
      }
    }
    return [...keys];
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    this.cache = ctx.cache;
    const { namespace, name } = splitKey(key);
    const d = ctx.cache.get('Deployment', namespace, name);
    if (!d) return;
    const s = new DeploymentSync(d, ctx);

    if (d.metadata.deletionTimestamp) {
      return this.finish(s, calculateStatus(s, s.findNew()));
    }
    pausedConditions(s);
    if (d.spec?.paused || isScalingEvent(s, s.findNew())) {
      const newRS = await s.newReplicaSet(false);
      await scaleDeployment(s, newRS);
      if (d.spec?.paused) await cleanupOldReplicaSets(s, newRS);
      return this.finish(s, calculateStatus(s, newRS && s.current(newRS)));
    }
    const { newRS, progressed } = d.spec?.strategy?.type === 'Recreate' ? await rolloutRecreate(s) : await rolloutRolling(s);
    if (!progressed && deploymentComplete(d, d.status ?? {})) await cleanupOldReplicaSets(s, newRS);
    const { status, deadlineInMs } = rolloutStatus(s, newRS && s.current(newRS));
    return this.finish(s, status, deadlineInMs);
  }

  /**
   * The revision goes on the Deployment by a PUT of the cached object with only that
   * annotation changed (spec untouched, so generation stays); then status, if it changed.
   */
  private async finish(s: DeploymentSync, status: any, deadlineInMs?: number): Promise<ReconcileResult> {
    const { ctx } = s;
    let d: KubeObject = s.d;
    if (s.revision !== undefined && d.metadata.annotations?.[REVISION] !== s.revision) {
      const copy = structuredClone(d);
      copy.metadata.annotations = { ...(copy.metadata.annotations ?? {}), [REVISION]: s.revision };
      d = await ctx.client.update(copy, ctx.cause);
    }
    if (statusChanged(s.d.status, status)) {
      await ctx.client.updateStatus({ ...structuredClone(d), status }, ctx.cause);
    }
    const after = Math.min(deadlineInMs ?? Infinity, s.availableInMs ?? Infinity);
    return Number.isFinite(after) ? { requeueAfterMs: after } : undefined;
  }
}
