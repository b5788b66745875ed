import type { KubeObject } from './object';
import { labelSelectorFromSpec, matchesLabels } from './label-selector';

/**
 * The rules of an aggregated ClusterRole (one with `aggregationRule.clusterRoleSelectors`): the
 * rules of every other ClusterRole any selector matches, in name order, each distinct rule once
 * (kube's clusterrole-aggregation controller). Undefined for a role without an aggregation rule.
 * Both the controller and the API server's start-up reconcile use it, so they agree exactly.
 */
export function aggregatedRules(role: KubeObject, clusterRoles: readonly KubeObject[]): unknown[] | undefined {
  const selectors = (role as { aggregationRule?: { clusterRoleSelectors?: unknown[] } }).aggregationRule?.clusterRoleSelectors;
  if (!Array.isArray(selectors)) return undefined;
  const parsed = selectors.map((s) => labelSelectorFromSpec(s as Parameters<typeof labelSelectorFromSpec>[0]));
  const rules: unknown[] = [];
  const seen = new Set<string>();
  const sorted = [...clusterRoles].sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
  for (const other of sorted) {
    if (other.metadata.name === role.metadata.name) continue;
    if (!parsed.some((sel) => matchesLabels(sel, other.metadata.labels ?? {}))) continue;
    for (const rule of ((other as { rules?: unknown[] }).rules ?? [])) {
      const key = JSON.stringify(rule);
      if (seen.has(key)) continue;
      seen.add(key);
      rules.push(rule);
    }
  }
  return rules;
}
