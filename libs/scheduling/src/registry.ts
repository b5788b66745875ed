import { type FilterPlugin, NO_HANDLE, type PluginHandle, type Profile, type ScorePlugin } from './framework';
import { interPodAntiAffinity } from './plugins/inter-pod-anti-affinity';
import { nodeAffinityFilter, nodeAffinityScore } from './plugins/node-affinity';
import { nodeName } from './plugins/node-name';
import { nodePorts } from './plugins/node-ports';
import { nodeReady } from './plugins/node-ready';
import { nodeResourcesFit } from './plugins/node-resources-fit';
import { nodeUnschedulable } from './plugins/node-unschedulable';
import { nodeResourcesBalancedAllocation, nodeResourcesLeastAllocated } from './plugins/resource-scores';
import { selectorSpread } from './plugins/selector-spread';
import { taintTolerationFilter, taintTolerationScore } from './plugins/taint-toleration';
import { volumeBinding } from './plugins/volume-binding';

/** Which plugins run and how much each score counts; names are registry keys. */
export interface SchedulerConfig {
  readonly filters: readonly string[];
  readonly scores: readonly { readonly name: string; readonly weight: number }[];
}

export interface PluginRegistry {
  readonly filters: Readonly<Record<string, (handle: PluginHandle) => FilterPlugin>>;
  readonly scores: Readonly<Record<string, (handle: PluginHandle) => ScorePlugin>>;
}

/** name → factory. NodeAffinity and TaintToleration are both a filter and a score, as in kube. */
export const DEFAULT_REGISTRY: PluginRegistry = {
  filters: {
    NodeUnschedulable: () => nodeUnschedulable,
    NodeName: () => nodeName,
    TaintToleration: () => taintTolerationFilter,
    NodeAffinity: () => nodeAffinityFilter,
    NodeReady: () => nodeReady,
    NodePorts: () => nodePorts,
    NodeResourcesFit: () => nodeResourcesFit,
    InterPodAntiAffinity: () => interPodAntiAffinity,
    VolumeBinding: (handle) => volumeBinding(handle.lister),
  },
  scores: {
    NodeResourcesLeastAllocated: () => nodeResourcesLeastAllocated,
    NodeResourcesBalancedAllocation: () => nodeResourcesBalancedAllocation,
    NodeAffinity: () => nodeAffinityScore,
    SelectorSpread: () => selectorSpread,
    TaintToleration: () => taintTolerationScore,
  },
};

/**
 * kube-scheduler's filter order (a node reports only its first failure, so order shapes the
 * message) and its default weights (TaintToleration 3, NodeAffinity 2, spreading 2, resources 1).
 */
export const DEFAULT_SCHEDULER_CONFIG: SchedulerConfig = {
  filters: ['NodeUnschedulable', 'NodeName', 'TaintToleration', 'NodeAffinity', 'NodeReady', 'NodePorts', 'NodeResourcesFit', 'VolumeBinding', 'InterPodAntiAffinity'],
  scores: [
    { name: 'NodeResourcesLeastAllocated', weight: 1 },
    { name: 'NodeResourcesBalancedAllocation', weight: 1 },
    { name: 'NodeAffinity', weight: 2 },
    { name: 'SelectorSpread', weight: 2 },
    { name: 'TaintToleration', weight: 3 },
  ],
};

export class SchedulerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchedulerConfigError';
  }
}

/** Resolves names to plugins; unknown names fail with the list of known ones. */
export function buildProfile(config: SchedulerConfig = DEFAULT_SCHEDULER_CONFIG, registry: PluginRegistry = DEFAULT_REGISTRY, handle: PluginHandle = NO_HANDLE): Profile {
  validateConfig(config, registry);
  return {
    filters: config.filters.map((n) => registry.filters[n](handle)),
    scores: config.scores.map((s) => ({ plugin: registry.scores[s.name](handle), weight: s.weight })),
  };
}

export function validateConfig(config: SchedulerConfig, registry: PluginRegistry = DEFAULT_REGISTRY, source = 'scheduler config'): void {
  const problems: string[] = [];
  const knownFilters = Object.keys(registry.filters);
  const knownScores = Object.keys(registry.scores);
  for (const n of config.filters) if (!knownFilters.includes(n)) problems.push(`unknown filter plugin "${n}" (known filter plugins: ${knownFilters.join(', ')})`);
  for (const s of config.scores) {
    if (!knownScores.includes(s.name)) problems.push(`unknown score plugin "${s.name}" (known score plugins: ${knownScores.join(', ')})`);
    if (!Number.isInteger(s.weight) || s.weight < 1) problems.push(`score plugin "${s.name}": weight must be a positive integer, got ${JSON.stringify(s.weight)}`);
  }
  const dup = (names: readonly string[]) => names.filter((n, i) => names.indexOf(n) !== i);
  for (const n of dup(config.filters)) problems.push(`filter plugin "${n}" is listed twice`);
  for (const n of dup(config.scores.map((s) => s.name))) problems.push(`score plugin "${n}" is listed twice`);
  if (problems.length) throw new SchedulerConfigError(`${source}: ${problems.join('; ')}`);
}
