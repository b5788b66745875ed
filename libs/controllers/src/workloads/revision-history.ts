import { ClientError } from '@logbook/components';
import type { KubeObject } from '@logbook/kube';
import { byCreation, replicasOf, revisionOf } from './deployment-util';
import type { DeploymentSync } from './deployment-sync';

/**
 * kube's cleanupDeployment: beyond revisionHistoryLimit, delete old RSs oldest revision first —
 * only those scaled to 0, with no pods left and whose controller has caught up with their spec.
 */
export async function cleanupOldReplicaSets(s: DeploymentSync, newRS: KubeObject | undefined): Promise<void> {
  const limit = s.d.spec?.revisionHistoryLimit;
  if (limit === undefined || limit === null) return;
  const cleanable = s.oldOf(newRS).filter((rs) => !rs.metadata.deletionTimestamp);
  const diff = cleanable.length - limit;
  if (diff <= 0) return;
  cleanable.sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
  for (const rs of cleanable.slice(0, diff)) {
    const caughtUp = (rs.status?.observedGeneration ?? 0) >= (rs.metadata.generation ?? 0);
    if (replicasOf(rs) !== 0 || (rs.status?.replicas ?? 0) !== 0 || s.podsOf(rs).length > 0 || !caughtUp) continue;
    try {
      await s.ctx.client.delete('ReplicaSet', rs.metadata.namespace, rs.metadata.name!, { ...s.ctx.cause, preconditions: { uid: rs.metadata.uid } });
    } catch (err) {
      if (!(err instanceof ClientError && err.isNotFound)) throw err;
    }
  }
}
