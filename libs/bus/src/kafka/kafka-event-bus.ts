import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import type { BusConsumer, BusProducer, ConsumerOptions, EventBus, OutgoingMessage, PartitionLag, TopicMessages } from '../event-bus.port';
import { BusClosed } from '../errors';
import { KafkaBusConsumer } from './kafka-consumer';
import { translated } from './kafka-errors';
import { createTopicAndWait } from './create-topic';
import { KAFKA_DEFAULTS, type KafkaBusOptions } from './kafka-options';

// kafkajs 2 prints a warning about its partitioner change on every client; we use its
// default (Java-compatible murmur2) on purpose.
process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

/** EventBus on a Kafka cluster through kafkajs (kept behind the port: kafkajs is in maintenance). */
export class KafkaEventBus implements EventBus {
  private readonly kafka: Kafka;
  private readonly settings: Required<Omit<KafkaBusOptions, 'onError' | 'clientId'>>;
  private adminClient?: Promise<Admin>;
  private readonly producers = new Set<Producer>();
  private readonly consumers = new Set<KafkaBusConsumer>();
  private closed = false;

  constructor(private readonly options: KafkaBusOptions) {
    this.settings = { ...KAFKA_DEFAULTS, ...stripUndefined(options) } as typeof this.settings;
    this.kafka = new Kafka({
      clientId: options.clientId ?? 'logbook',
      brokers: [...options.brokers],
      connectionTimeout: this.settings.connectionTimeoutMs,
      logLevel: logLevel.NOTHING,
      retry: { initialRetryTime: 100, retries: 8 },
    });
  }

  async createTopic(topic: string, partitions: number): Promise<void> {
    const admin = await this.admin();
    // On KRaft a topic is not usable until its partitions have leaders.
    await translated(`create topic ${topic}`, () => createTopicAndWait(admin, topic, partitions));
  }

  async producer(): Promise<BusProducer> {
    this.assertOpen();
    const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await translated('producer connect', () => producer.connect());
    this.producers.add(producer);
    const sendBatch = async (batch: readonly TopicMessages[]) => {
      await translated('send', () =>
        producer.sendBatch({
          acks: -1,
          topicMessages: batch.map(({ topic, messages }) => ({ topic, messages: messages.map(toKafkaMessage) })),
        }),
      );
    };
    return {
      sendBatch,
      send: (topic: string, messages: readonly OutgoingMessage[]) => sendBatch([{ topic, messages }]),
      close: async () => {
        this.producers.delete(producer);
        await translated('producer disconnect', () => producer.disconnect());
      },
    };
  }

  async consumer(options: ConsumerOptions): Promise<BusConsumer> {
    this.assertOpen();
    const s = this.settings;
    const consumer = this.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs ?? s.sessionTimeoutMs,
      heartbeatInterval: s.heartbeatIntervalMs,
      maxWaitTimeInMs: s.maxWaitTimeMs,
      rebalanceTimeout: s.rebalanceTimeoutMs,
      allowAutoTopicCreation: false,
      retry: { initialRetryTime: 100, retries: 8 },
    });
    await translated('consumer connect', () => consumer.connect());
    await translated('subscribe', () => consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning ?? false }));
    const bus = new KafkaBusConsumer(consumer, () => this.admin(), this.options.onError, (c) => this.consumers.delete(c));
    this.consumers.add(bus);
    return bus;
  }

  async lag(groupId: string, topics: readonly string[]): Promise<PartitionLag[]> {
    const admin = await this.admin();
    const [committed, ends] = await Promise.all([
      translated('fetch group offsets', () => admin.fetchOffsets({ groupId, topics: [...topics] })),
      Promise.all(topics.map((topic) => translated('fetch topic offsets', () => admin.fetchTopicOffsets(topic)))),
    ]);
    return topics.flatMap((topic, i) =>
      ends[i]
        .map(({ partition, high }): PartitionLag => {
          const offset = committed.find((c) => c.topic === topic)?.partitions.find((p) => p.partition === partition)?.offset;
          // kafkajs reports "no committed offset" as -1.
          if (offset === undefined || Number(offset) < 0) return { topic, partition, end: high };
          return { topic, partition, committed: offset, end: high, lag: Number(high) - Number(offset) };
        })
        .sort((a, b) => a.partition - b.partition),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.consumers].map((c) => c.stop()));
    await Promise.allSettled([...this.producers].map((p) => p.disconnect()));
    if (this.adminClient) await (await this.adminClient.catch(() => undefined))?.disconnect();
  }

  private admin(): Promise<Admin> {
    this.assertOpen();
    if (!this.adminClient) {
      const admin = this.kafka.admin();
      this.adminClient = translated('admin connect', () => admin.connect()).then(() => admin);
      this.adminClient.catch(() => (this.adminClient = undefined));
    }
    return this.adminClient;
  }

  private assertOpen(): void {
    if (this.closed) throw new BusClosed();
  }
}

function toKafkaMessage(m: OutgoingMessage) {
  return { key: m.key, value: m.value, headers: m.headers ? { ...m.headers } : undefined };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
