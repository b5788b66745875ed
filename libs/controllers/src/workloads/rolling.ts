import type { KubeObject } from '@logbook/kube';
import { maxUnavailable, replicasOf } from './deployment-util';
import type { DeploymentSync } from './deployment-sync';

/**
 * kube's rolloutRolling (rolling.go): scale the new RS up as far as maxSurge allows; else
 * scale old ones down as far as maxUnavailable allows, unhealthy pods first.
 */
export async function rolloutRolling(s: DeploymentSync): Promise<{ newRS: KubeObject; progressed: boolean }> {
  const created = await s.newReplicaSet(true);
  const newRS = s.current(created!);
  if (await reconcileNewReplicaSet(s, newRS)) return { newRS, progressed: true };
  if (await reconcileOldReplicaSets(s, s.current(newRS))) return { newRS, progressed: true };
  return { newRS, progressed: false };
}

async function reconcileNewReplicaSet(s: DeploymentSync, newRS: KubeObject): Promise<boolean> {
  const want = s.replicas;
  if (replicasOf(newRS) === want) return false;
  if (replicasOf(newRS) > want) return s.scale(newRS, want);
  return s.scale(newRS, s.newReplicasFor(newRS, s.rss));
}

async function reconcileOldReplicaSets(s: DeploymentSync, newRS: KubeObject): Promise<boolean> {
  const olds = () => s.oldOf(s.current(newRS)).filter((rs) => replicasOf(rs) > 0);
  if (olds().length === 0) return false;
  const all = s.rss.reduce((n, rs) => n + replicasOf(rs), 0);
  const minAvailable = s.replicas - maxUnavailable(s.d);
  const newUnavailable = replicasOf(s.current(newRS)) - s.available(s.current(newRS));
  const maxScaledDown = all - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return false;
  const cleaned = await cleanupUnhealthyReplicas(s, olds(), maxScaledDown);
  const scaled = await scaleDownOldForRollingUpdate(s, olds());
  return cleaned + scaled > 0;
}

/** Old RSs' pods that are not available can go at once: they serve nothing. */
async function cleanupUnhealthyReplicas(s: DeploymentSync, olds: KubeObject[], maxCleanup: number): Promise<number> {
  let total = 0;
  for (const rs of olds) {
    if (total >= maxCleanup) break;
    const unhealthy = replicasOf(rs) - s.available(rs);
    if (unhealthy <= 0) continue;
    const n = Math.min(maxCleanup - total, unhealthy);
    await s.scale(rs, replicasOf(rs) - n);
    total += n;
  }
  return total;
}

async function scaleDownOldForRollingUpdate(s: DeploymentSync, olds: KubeObject[]): Promise<number> {
  const minAvailable = s.replicas - maxUnavailable(s.d);
  const available = s.rss.reduce((n, rs) => n + s.available(rs), 0);
  if (available <= minAvailable) return 0;
  const budget = available - minAvailable;
  let total = 0;
  for (const rs of olds) {
    if (total >= budget) break;
    const n = Math.min(replicasOf(rs), budget - total);
    if (n <= 0) continue;
    await s.scale(rs, replicasOf(rs) - n);
    total += n;
  }
  return total;
}
