import { type KubeObject, type NodeSelectorRequirement, matchesNodeSelectorRequirement } from '@logbook/kube';

export type { NodeSelectorRequirement };
/** A node selector requirement against labels or fields (kube's nodeaffinity semantics; shared with PV node affinity). */
export const matchesRequirement = matchesNodeSelectorRequirement;
import { type FilterPlugin, MAX_NODE_SCORE, type ScorePlugin, perCycle } from '../framework';
import type { NodeInfo } from '../node-info';
import { SUCCESS, unresolvable } from '../status';

export const ERR_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";

export interface NodeSelectorTerm {
  readonly matchExpressions?: readonly NodeSelectorRequirement[];
  readonly matchFields?: readonly NodeSelectorRequirement[];
}

/** A term ANDs its expressions (on labels) and fields (only metadata.name); an empty term matches nothing. */
export function matchesTerm(term: NodeSelectorTerm, node: KubeObject): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const nodeFields = { 'metadata.name': node.metadata.name ?? '' };
  return exprs.every((r) => matchesRequirement(r, node.metadata.labels)) && fields.every((r) => r.key === 'metadata.name' && matchesRequirement(r, nodeFields));
}

/** spec.nodeSelector (every label equal) and the required node affinity (any term). */
export function matchesNodeSelectorAndAffinity(pod: KubeObject, node: KubeObject): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries<string>(pod.spec?.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  return ((required.nodeSelectorTerms ?? []) as NodeSelectorTerm[]).some((t) => matchesTerm(t, node));
}

export const nodeAffinityFilter: FilterPlugin = {
  name: 'NodeAffinity',
  filter: (pod, info) => (matchesNodeSelectorAndAffinity(pod, info.node) ? SUCCESS : unresolvable(ERR_NODE_AFFINITY)),
};

/** Sum of the weights of the preferred terms the node matches. */
export function preferredAffinityWeight(pod: KubeObject, node: KubeObject): number {
  const preferred = pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
  let sum = 0;
  for (const p of preferred) if (p?.weight && p.preference && matchesTerm(p.preference, node)) sum += p.weight;
  return sum;
}

const maxWeight = new WeakMap<readonly NodeInfo[], { pod: KubeObject; value: number }>();

/** Preferred node affinity, normalised so the best-matching node scores 100. */
export const nodeAffinityScore: ScorePlugin = {
  name: 'NodeAffinity',
  score(pod, info, all) {
    const max = perCycle(maxWeight, pod, all, () => Math.max(0, ...all.map((n) => preferredAffinityWeight(pod, n.node))));
    if (max === 0) return 0;
    return Math.floor((preferredAffinityWeight(pod, info.node) * MAX_NODE_SCORE) / max);
  },
};
