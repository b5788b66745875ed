import type { CachedChange, Controller, ObjectCache, ReconcileContext } from '@logbook/components';
import { type KubeObject, aggregatedRules } from '@logbook/kube';

const hasAggregationRule = (role: KubeObject | undefined): boolean => Array.isArray((role as { aggregationRule?: { clusterRoleSelectors?: unknown } } | undefined)?.aggregationRule?.clusterRoleSelectors);

/**
 * kube's clusterrole-aggregation controller: a ClusterRole with `aggregationRule.
 * clusterRoleSelectors` gets as rules the union of the rules of the ClusterRoles its selectors
 * match (admin ⊇ edit ⊇ view through the `aggregate-to-*` labels). Any ClusterRole change
 * requeues every aggregated role, since a label or a rule of any role may feed one; chains
 * (edit feeding admin) settle as each write comes back as a change. Writes only when the rules
 * differ, so it is quiet at rest.
 */
export class ClusterRoleAggregationController implements Controller {
  readonly name = 'clusterrole-aggregation-controller';
  readonly primaryKind = 'ClusterRole';
  readonly watches = ['ClusterRole'] as const;
  readonly workers = 1;

  keysFor(_change: CachedChange, cache: ObjectCache): string[] {
    return cache.list('ClusterRole').filter(hasAggregationRule).map((r) => r.metadata.name!);
  }

  async reconcile(name: string, ctx: ReconcileContext): Promise<void> {
    const role = ctx.cache.get('ClusterRole', undefined, name);
    if (!role || !hasAggregationRule(role) || role.metadata.deletionTimestamp) return;
    const rules = aggregatedRules(role, ctx.cache.list('ClusterRole'))!;
    const current = (role as { rules?: unknown[] }).rules ?? [];
    if (JSON.stringify(current) === JSON.stringify(rules)) return;
    await ctx.client.update({ ...structuredClone(role), rules } as KubeObject, ctx.cause);
    ctx.log.info({ clusterRole: name, rules: rules.length }, 'aggregated rules updated');
  }
}
