import { type BusMessage, type EventBus, dedupeByPosition, positionOf } from '@logbook/bus';
import { RESOURCES, topicFor } from '@logbook/kube';
import { randomName } from '@logbook/testing';

export interface Consumed {
  /** Every delivery, duplicates included. */
  readonly raw: BusMessage[];
  /** What passed dedupeByPosition: topic → key → positions in delivery order. */
  readonly deduped: Map<string, Map<string, number[]>>;
  count(): number;
  stop(): Promise<void>;
}

/** Reads every `<prefix>logbook.<plural>` topic from the beginning with a fresh group. */
export async function consumeAllTopics(bus: EventBus, prefix: string): Promise<Consumed> {
  const raw: BusMessage[] = [];
  const deduped = new Map<string, Map<string, number[]>>();
  let count = 0;
  const consumer = await bus.consumer({ groupId: randomName('check'), topics: RESOURCES.map((r) => prefix + topicFor(r)), fromBeginning: true });
  const record = dedupeByPosition(async (m) => {
    const byKey = deduped.get(m.topic) ?? new Map<string, number[]>();
    deduped.set(m.topic, byKey);
    byKey.set(m.key!, [...(byKey.get(m.key!) ?? []), positionOf(m)!]);
    count++;
  });
  await consumer.run(async (m) => {
    raw.push(m);
    await record(m);
  });
  return { raw, deduped, count: () => count, stop: () => consumer.stop() };
}
