import { type CachedChange, type Controller, type ObjectCache, type ReconcileContext, type ReconcileResult, splitKey } from '@logbook/components';
import { type KubeObject, namespaceUsage, quantity, resourceByKind } from '@logbook/kube';
import { ignoreNotFound } from '../shared/ignore-not-found';
import { sameJson } from '../shared/same-json';

/** The kinds a quota counts: by name (pods, services, …) or as `count/<resource>` for the workloads. */
const COUNTED_KINDS = ['Pod', 'Service', 'ConfigMap', 'Secret', 'PersistentVolumeClaim', 'ReplicationController', 'Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'].filter(
  (kind) => resourceByKind(kind)?.namespaced,
);

/**
 * The resource quota controller: keeps each ResourceQuota's `status.hard` (its spec's) and
 * `status.used` (what its namespace's objects use now, counted as admission counts them) current,
 * so `kubectl describe quota` shows usage. Admission does not read this status — it counts from
 * the projection at admission time — so a status that lags refuses nothing.
 */
export class ResourceQuotaController implements Controller {
  readonly name = 'resourcequota-controller';
  readonly primaryKind = 'ResourceQuota';
  readonly watches = ['ResourceQuota', ...COUNTED_KINDS];

  keysFor(change: CachedChange, cache: ObjectCache): string[] {
    const obj = (change.after ?? change.before)!;
    const ns = obj.metadata.namespace;
    if (!ns) return [];
    if (change.kind === 'ResourceQuota') return [`${ns}/${obj.metadata.name}`];
    return cache.list('ResourceQuota', ns).map((q) => `${ns}/${q.metadata.name}`);
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const quota = ctx.cache.get('ResourceQuota', namespace, name);
    if (!quota || !namespace) return;
    const status = quotaStatus(quota, (kind, ns) => ctx.cache.list(kind, ns));
    if (sameJson(quota.status ?? {}, status)) return;
    await ignoreNotFound(ctx.client.updateStatus({ ...quota, status }, ctx.cause));
  }
}

/** `{ hard, used }` as kube's controller writes them: hard copied from the spec, used in canonical quantities. */
export function quotaStatus(quota: KubeObject, list: (kind: string, namespace: string) => readonly KubeObject[]): { hard: Record<string, string>; used: Record<string, string> } {
  const hard: Record<string, string> = { ...(quota.spec?.hard ?? {}) };
  const used: Record<string, string> = {};
  for (const [resource, q] of namespaceUsage(list, quota.metadata.namespace!, quota)) used[resource] = quantity.format(q);
  return { hard, used };
}
