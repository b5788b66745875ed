import type { Registry } from 'prom-client';
import type { PartitionLag } from '@logbook/bus';
import { collectedGauge } from './collected-gauge';

export interface ConsumerGroup {
  readonly groupId: string;
  readonly topics: readonly string[];
}

/** What the figures are read from: the EventBus port's `lag`. */
export interface LagSource {
  lag(groupId: string, topics: readonly string[]): Promise<PartitionLag[]>;
}

/** One scrape reads the three gauges; the offsets are fetched once for all of them. */
const FRESH_MS = 1_000;

/**
 * Reports, at each scrape, every partition of the given consumer groups (DESIGN §4: each
 * component is a consumer group): `logbook_consumer_group_lag`, `…_committed_offset` and
 * `…_end_offset`, labelled `group`, `topic`, `partition`. Returns the function that stops
 * reporting them.
 */
export function trackConsumerGroups(registry: Registry, bus: LagSource, groups: () => readonly ConsumerGroup[]): () => void {
  const labelNames = ['group', 'topic', 'partition'] as const;
  const lag = collectedGauge(registry, { name: 'logbook_consumer_group_lag', help: 'Messages of the partition the consumer group has not committed yet (end offset − committed offset); absent before its first commit.', labelNames });
  const committed = collectedGauge(registry, { name: 'logbook_consumer_group_committed_offset', help: 'The consumer group\'s committed offset (the next message it will read); absent before its first commit.', labelNames });
  const end = collectedGauge(registry, { name: 'logbook_consumer_group_end_offset', help: 'The partition\'s end offset (the offset the next message produced to it gets).', labelNames });

  let last: { at: number; result: Promise<{ groupId: string; partitions: PartitionLag[] }[]> } | undefined;
  const fetch = () => {
    if (!last || Date.now() - last.at > FRESH_MS) {
      const result = Promise.all(groups().map(async ({ groupId, topics }) => ({ groupId, partitions: await bus.lag(groupId, topics) })));
      last = { at: Date.now(), result };
      // A failed fetch is not kept: the next scrape tries again.
      result.catch(() => {
        if (last?.result === result) last = undefined;
      });
    }
    return last.result;
  };
  const each = async (report: (labels: { group: string; topic: string; partition: number }, p: PartitionLag) => void) => {
    for (const { groupId, partitions } of await fetch()) {
      for (const p of partitions) report({ group: groupId, topic: p.topic, partition: p.partition }, p);
    }
  };
  const removers = [
    lag.add((set) => each((labels, p) => p.lag !== undefined && set(labels, p.lag))),
    committed.add((set) => each((labels, p) => p.committed !== undefined && set(labels, Number(p.committed)))),
    end.add((set) => each((labels, p) => set(labels, Number(p.end)))),
  ];
  return () => removers.forEach((remove) => remove());
}
