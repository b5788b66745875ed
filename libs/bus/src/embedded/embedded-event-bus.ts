import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BusConsumer, BusMessage, BusProducer, ConsumerOptions, EventBus, OutgoingMessage, PartitionLag, TopicMessages } from '../event-bus.port';
import { BusClosed } from '../errors';
import { EmbeddedBroker } from './embedded-broker';
import { EmbeddedConsumer } from './embedded-consumer';

export interface EmbeddedBusOptions {
  /** Directory holding `bus.sqlite`; omitted means in memory (pure tests). */
  readonly dir?: string;
  readonly onError?: (error: unknown, message: BusMessage) => void;
}

/** The in-process bus: same semantics as Kafka (partitions, keys, groups, committed offsets). */
export class EmbeddedEventBus implements EventBus {
  private readonly broker: EmbeddedBroker;
  private readonly consumers = new Set<EmbeddedConsumer>();
  private closed = false;

  constructor(private readonly options: EmbeddedBusOptions = {}) {
    let file = ':memory:';
    if (options.dir) {
      mkdirSync(options.dir, { recursive: true });
      file = resolve(join(options.dir, 'bus.sqlite'));
    }
    this.broker = EmbeddedBroker.acquire(file);
  }

  async createTopic(topic: string, partitions: number): Promise<void> {
    this.assertOpen();
    this.broker.createTopic(topic, partitions);
  }

  async producer(): Promise<BusProducer> {
    this.assertOpen();
    const broker = this.broker;
    let open = true;
    const sendBatch = async (batch: readonly TopicMessages[]) => {
      if (!open || this.closed) throw new BusClosed('the producer');
      broker.append(batch);
    };
    return {
      sendBatch,
      send: (topic: string, messages: readonly OutgoingMessage[]) => sendBatch([{ topic, messages }]),
      close: async () => {
        open = false;
      },
    };
  }

  async consumer(options: ConsumerOptions): Promise<BusConsumer> {
    this.assertOpen();
    const consumer = new EmbeddedConsumer(this.broker, { onError: this.options.onError, ...options }, (c) =>
      this.consumers.delete(c),
    );
    this.consumers.add(consumer);
    return consumer;
  }

  async lag(groupId: string, topics: readonly string[]): Promise<PartitionLag[]> {
    this.assertOpen();
    const { store } = this.broker;
    return topics.flatMap((topic) =>
      Array.from({ length: this.broker.partitionsOf(topic) }, (_, partition) => {
        const committed = store.committed(groupId, topic, partition);
        const end = store.endOffset(topic, partition);
        if (committed === undefined) return { topic, partition, end: String(end) };
        return { topic, partition, committed: String(committed), end: String(end), lag: end - committed };
      }),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.consumers].map((c) => c.stop()));
    this.closed = true;
    this.broker.release();
  }

  private assertOpen(): void {
    if (this.closed) throw new BusClosed();
  }
}
