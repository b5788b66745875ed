import type { KubeObject } from '@logbook/kube';
import { MAX_REPLICAS, DESIRED_REPLICAS, isRollingUpdate, maxSurge, replicasOf } from './deployment-util';
import type { DeploymentSync } from './deployment-sync';

/** kube's isScalingEvent: an active RS was sized for a different spec.replicas. */
export function isScalingEvent(s: DeploymentSync, newRS: KubeObject | undefined): boolean {
  return [...s.oldOf(newRS), ...(newRS ? [newRS] : [])].some((rs) => {
    if (replicasOf(rs) === 0) return false;
    const desired = rs.metadata.annotations?.[DESIRED_REPLICAS];
    return desired !== undefined && Number(desired) !== s.replicas;
  });
}

/**
 * kube's scale (sync.go): one active RS (or none: the newest) takes the whole count; a
 * saturated new RS drains the old; otherwise a rolling Deployment spreads the change over its
 * active RSs in proportion to their size, leftovers to the largest.
 */
export async function scaleDeployment(s: DeploymentSync, newRS: KubeObject | undefined): Promise<void> {
  const olds = s.oldOf(newRS);
  const active = [...olds, ...(newRS ? [newRS] : [])].filter((rs) => replicasOf(rs) > 0);
  if (active.length <= 1) {
    const target = active[0] ?? newRS ?? [...olds].sort((a, b) => created(b) - created(a))[0];
    if (target && replicasOf(target) !== s.replicas) await s.scale(target, s.replicas);
    return;
  }
  if (newRS && isSaturated(s, newRS)) {
    for (const rs of olds) if (replicasOf(rs) > 0) await s.scale(rs, 0);
    return;
  }
  if (!isRollingUpdate(s.d)) return;
  const total = active.reduce((n, rs) => n + replicasOf(rs), 0);
  const allowed = s.replicas > 0 ? s.replicas + maxSurge(s.d) : 0;
  const toAdd = allowed - total;
  if (toAdd === 0) return;
  // Scaling up: bigger then newer first; scaling down: bigger then older first.
  active.sort((a, b) => replicasOf(b) - replicasOf(a) || (toAdd > 0 ? created(b) - created(a) : created(a) - created(b)));
  const sizes = new Map<KubeObject, number>();
  let added = 0;
  for (const rs of active) {
    const p = proportion(s, rs, toAdd, added);
    sizes.set(rs, replicasOf(rs) + p);
    added += p;
  }
  sizes.set(active[0], Math.max(0, sizes.get(active[0])! + toAdd - added));
  for (const rs of active) await s.scale(rs, sizes.get(rs)!);
}

function proportion(s: DeploymentSync, rs: KubeObject, toAdd: number, added: number): number {
  if (replicasOf(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const allowed = toAdd - added;
  let fraction: number;
  if (s.replicas === 0) fraction = -replicasOf(rs);
  else {
    const annotated = Number(rs.metadata.annotations?.[MAX_REPLICAS] ?? NaN);
    const base = Number.isFinite(annotated) && annotated > 0 ? annotated : s.d.status?.replicas || replicasOf(rs);
    fraction = Math.round((replicasOf(rs) * (s.replicas + maxSurge(s.d))) / base) - replicasOf(rs);
  }
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

function isSaturated(s: DeploymentSync, rs: KubeObject): boolean {
  const desired = Number(rs.metadata.annotations?.[DESIRED_REPLICAS] ?? NaN);
  return replicasOf(rs) === s.replicas && desired === s.replicas && s.availableActual(rs) === s.replicas;
}

function created(rs: KubeObject): number {
  return rs.metadata.creationTimestamp ? Date.parse(rs.metadata.creationTimestamp) : 0;
}
