import type { KubeObject } from '@logbook/kube';
import { replicasOf } from './deployment-util';
import type { DeploymentSync } from './deployment-sync';
import { isPodTerminated } from './pods';

/**
 * kube's rolloutRecreate (recreate.go): scale every old RS to 0, wait until none of their pods
 * is left (terminating ones included), and only then create or scale up the new RS.
 */
export async function rolloutRecreate(s: DeploymentSync): Promise<{ newRS?: KubeObject; progressed: boolean }> {
  let newRS = await s.newReplicaSet(false);
  let scaledDown = false;
  for (const rs of s.oldOf(newRS)) {
    if (replicasOf(rs) > 0 && (await s.scale(rs, 0))) scaledDown = true;
  }
  if (scaledDown) return { newRS, progressed: true };
  const oldPodsRunning = s.oldOf(newRS).some((rs) => s.podsOf(rs).some((p) => !isPodTerminated(p)));
  if (oldPodsRunning) return { newRS, progressed: false };
  newRS ??= await s.newReplicaSet(true);
  const current = s.current(newRS!);
  const progressed = replicasOf(current) !== s.replicas && (await s.scale(current, s.replicas));
  return { newRS: s.current(current), progressed };
}
