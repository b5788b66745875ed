import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { DEFAULT_REGISTRY, DEFAULT_SCHEDULER_CONFIG, type PluginRegistry, type SchedulerConfig, SchedulerConfigError, validateConfig } from './registry';

/**
 * Reads a scheduler config file (YAML or JSON — YAML is a superset):
 *
 *   filters: [NodeUnschedulable, TaintToleration, NodeResourcesFit]
 *   scores:
 *     - { name: NodeResourcesLeastAllocated, weight: 1 }
 *
 * A missing `filters` or `scores` key keeps the default list for it.
 */
export function loadSchedulerConfig(path: string, registry: PluginRegistry = DEFAULT_REGISTRY): SchedulerConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SchedulerConfigError(`cannot read scheduler config ${path}: ${(err as Error).message}`);
  }
  return parseSchedulerConfig(text, path, registry);
}

export function parseSchedulerConfig(text: string, source = 'scheduler config', registry: PluginRegistry = DEFAULT_REGISTRY): SchedulerConfig {
  let raw: any;
  try {
    raw = parse(text) ?? {};
  } catch (err) {
    throw new SchedulerConfigError(`${source}: not valid YAML or JSON: ${(err as Error).message}`);
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new SchedulerConfigError(`${source}: expected an object with "filters" and "scores"`);
  const unknownKeys = Object.keys(raw).filter((k) => k !== 'filters' && k !== 'scores');
  if (unknownKeys.length) throw new SchedulerConfigError(`${source}: unknown keys ${unknownKeys.join(', ')} (expected "filters" and "scores")`);
  if (raw.filters !== undefined && (!Array.isArray(raw.filters) || raw.filters.some((f: unknown) => typeof f !== 'string'))) {
    throw new SchedulerConfigError(`${source}: "filters" must be a list of plugin names`);
  }
  if (raw.scores !== undefined && (!Array.isArray(raw.scores) || raw.scores.some((s: any) => typeof s?.name !== 'string'))) {
    throw new SchedulerConfigError(`${source}: "scores" must be a list of { name, weight }`);
  }
  const config: SchedulerConfig = {
    filters: raw.filters ?? DEFAULT_SCHEDULER_CONFIG.filters,
    scores: raw.scores?.map((s: any) => ({ name: s.name, weight: s.weight ?? 1 })) ?? DEFAULT_SCHEDULER_CONFIG.scores,
  };
  validateConfig(config, registry, source);
  return config;
}
