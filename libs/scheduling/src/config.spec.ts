import { parseSchedulerConfig } from './config';
import { DEFAULT_SCHEDULER_CONFIG, buildProfile } from './registry';

describe('scheduler config', () => {
  it('reads YAML', () => {
    const config = parseSchedulerConfig('filters: [NodeResourcesFit, TaintToleration]\nscores:\n  - name: NodeResourcesLeastAllocated\n    weight: 2\n');
    expect(config).toEqual({ filters: ['NodeResourcesFit', 'TaintToleration'], scores: [{ name: 'NodeResourcesLeastAllocated', weight: 2 }] });
    const profile = buildProfile(config);
    expect(profile.filters.map((f) => f.name)).toEqual(['NodeResourcesFit', 'TaintToleration']);
    expect(profile.scores.map((s) => [s.plugin.name, s.weight])).toEqual([['NodeResourcesLeastAllocated', 2]]);
  });

  it('reads JSON and keeps defaults for what it leaves out', () => {
    expect(parseSchedulerConfig('{"scores": [{"name": "SelectorSpread"}]}')).toEqual({ filters: DEFAULT_SCHEDULER_CONFIG.filters, scores: [{ name: 'SelectorSpread', weight: 1 }] });
  });

  it.each([
    ['filters: [NodeResourcesFit, Bogus]', /unknown filter plugin "Bogus" \(known filter plugins: NodeUnschedulable, NodeName, TaintToleration, NodeAffinity, NodeReady, NodePorts, NodeResourcesFit, InterPodAntiAffinity, VolumeBinding\)/],
    ['scores: [{name: Nope, weight: 1}]', /unknown score plugin "Nope" \(known score plugins: NodeResourcesLeastAllocated, NodeResourcesBalancedAllocation, NodeAffinity, SelectorSpread, TaintToleration\)/],
    ['scores: [{name: SelectorSpread, weight: 0}]', /weight must be a positive integer/],
    ['filters: NodeResourcesFit', /"filters" must be a list/],
    ['filter: []', /unknown keys filter/],
    ['filters: [NodeName, NodeName]', /listed twice/],
    ['filters: [', /not valid YAML or JSON/],
  ])('rejects %j', (text, message) => {
    expect(() => parseSchedulerConfig(text, 'test.yaml')).toThrow(message);
  });
});
