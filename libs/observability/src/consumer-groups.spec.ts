import { Registry } from 'prom-client';
import type { PartitionLag } from '@logbook/bus';
import { parsePrometheusText } from '@logbook/testing';
import { trackConsumerGroups } from './consumer-groups';
import { collectedGauge } from './collected-gauge';

const scrape = async (registry: Registry) => parsePrometheusText(await registry.metrics());

describe('trackConsumerGroups', () => {
  it('reports lag, committed and end offsets per group, topic and partition, read once per scrape', async () => {
    const registry = new Registry();
    const calls: string[] = [];
    const bus = {
      async lag(groupId: string, topics: readonly string[]): Promise<PartitionLag[]> {
        calls.push(groupId);
        return topics.flatMap((topic) => [
          { topic, partition: 0, committed: '7', end: '10', lag: 3 },
          { topic, partition: 1, end: '4' },
        ]);
      },
    };
    trackConsumerGroups(registry, bus, () => [{ groupId: 'g1', topics: ['logbook.pods'] }]);

    const text = await scrape(registry);
    expect(calls).toEqual(['g1']);
    // No commit yet in partition 1: no committed offset and no lag rather than made-up figures.
    expect(text.samples('logbook_consumer_group_lag').map((s) => [s.labels.group, s.labels.topic, s.labels.partition, s.value])).toEqual([['g1', 'logbook.pods', '0', 3]]);
    expect(text.samples('logbook_consumer_group_committed_offset').map((s) => [s.labels.partition, s.value])).toEqual([['0', 7]]);
    expect(text.sum('logbook_consumer_group_end_offset')).toBe(14);
  });

  it('adds the groups of every component sharing the registry, and drops those that stopped reporting', async () => {
    const registry = new Registry();
    const bus = { lag: async (groupId: string) => [{ topic: 't', partition: 0, committed: '1', end: '1', lag: 0 }].map((p) => ({ ...p, topic: `t-${groupId}` })) };
    const stopA = trackConsumerGroups(registry, bus, () => [{ groupId: 'a', topics: ['t'] }]);
    trackConsumerGroups(registry, bus, () => [{ groupId: 'b', topics: ['t'] }]);
    expect((await scrape(registry)).samples('logbook_consumer_group_lag').map((s) => s.labels.group).sort()).toEqual(['a', 'b']);
    stopA();
    expect((await scrape(registry)).samples('logbook_consumer_group_lag').map((s) => s.labels.group)).toEqual(['b']);
  });

  it('a failing read leaves its series out and is counted; the scrape still answers', async () => {
    const registry = new Registry();
    trackConsumerGroups(registry, { lag: async () => Promise.reject(new Error('broker down')) }, () => [{ groupId: 'g', topics: ['t'] }]);
    const text = await scrape(registry);
    expect(text.samples('logbook_consumer_group_lag')).toEqual([]);
    // Counted during that scrape, so it shows from the next one on.
    const errors = parsePrometheusText(await registry.getSingleMetricAsString('logbook_metric_collect_errors_total'));
    expect(errors.sum('logbook_metric_collect_errors_total', { metric: 'logbook_consumer_group_lag' })).toBe(1);
  });
});

describe('collectedGauge', () => {
  it('asks every source at each scrape and forgets values a source no longer reports', async () => {
    const registry = new Registry();
    const depth = collectedGauge(registry, { name: 'q_depth', help: 'depth', labelNames: ['q'] });
    let queues: Record<string, number> = { a: 2, b: 5 };
    depth.add((set) => Object.entries(queues).forEach(([q, n]) => set({ q }, n)));
    expect((await scrape(registry)).sum('q_depth')).toBe(7);
    queues = { b: 1 };
    const text = await scrape(registry);
    expect(text.samples('q_depth').map((s) => [s.labels.q, s.value])).toEqual([['b', 1]]);
  });
});
