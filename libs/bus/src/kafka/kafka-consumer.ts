import type { Admin, Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { BusConsumer, BusMessage, MessageHandler, TopicPartition } from '../event-bus.port';
import { retryDelay } from '../retry-delay';
import { translated } from './kafka-errors';

/**
 * A consumer-group member on kafkajs. Messages are handled one by one from eachBatch and an
 * offset is resolved only after its handler resolved; kafkajs commits resolved offsets
 * (autoCommit) periodically, on rebalance and on stop. kafkajs has no manual assignment and
 * its subscriptions are fixed once running: the topics are given up front.
 */
export class KafkaBusConsumer implements BusConsumer {
  private assigned: TopicPartition[] = [];
  private readonly paused = new Set<string>();
  private aborted = false;
  private abortWake: () => void = () => undefined;
  private readonly abortPromise = new Promise<void>((resolve) => (this.abortWake = resolve));
  private closed = false;

  constructor(
    private readonly consumer: Consumer,
    private readonly admin: () => Promise<Admin>,
    private readonly onError: ((error: unknown, message: BusMessage) => void) | undefined,
    private readonly onClosed: (consumer: KafkaBusConsumer) => void,
  ) {
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.assigned = Object.entries(payload.memberAssignment).flatMap(([topic, partitions]) =>
        partitions.map((partition) => ({ topic, partition })),
      );
    });
  }

  async run(handler: MessageHandler): Promise<void> {
    await translated('consumer run', () =>
      this.consumer.run({
        autoCommit: true,
        autoCommitInterval: 1_000,
        autoCommitThreshold: 200,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: (payload) => this.eachBatch(handler, payload),
      }),
    );
  }

  private async eachBatch(handler: MessageHandler, payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary } = payload;
    for (const raw of batch.messages) {
      // Unresolved messages are fetched again, so leaving a batch early loses nothing.
      if (!isRunning() || isStale() || this.aborted || this.paused.has(batch.topic)) return;
      const message = toBusMessage(batch.topic, batch.partition, raw);
      if (!(await this.deliver(handler, message, payload))) return;
      resolveOffset(raw.offset);
      await commitOffsetsIfNecessary();
      await heartbeat();
    }
  }

  /** Retries a failing handler in place (keeps per-key order) until it succeeds or we stop. */
  private async deliver(handler: MessageHandler, message: BusMessage, p: EachBatchPayload): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await Promise.race([handler(message), this.abortPromise]);
        return !this.aborted;
      } catch (error) {
        if (this.aborted) return false;
        this.onError?.(error, message);
        await Promise.race([new Promise((r) => setTimeout(r, retryDelay(attempt))), this.abortPromise]);
        if (!p.isRunning() || p.isStale() || this.aborted) return false;
        await p.heartbeat();
      }
    }
  }

  async seek(topic: string, partition: number, offset: string | 'earliest'): Promise<void> {
    let target = offset;
    if (offset === 'earliest') {
      const admin = await this.admin();
      const offsets = await translated('fetch topic offsets', () => admin.fetchTopicOffsets(topic));
      target = offsets.find((o) => o.partition === partition)?.low ?? '0';
    }
    // With autoCommit on, kafkajs also commits the sought offset.
    this.consumer.seek({ topic, partition, offset: target });
  }

  async seekToTimestamp(topic: string, timestamp: number): Promise<void> {
    const admin = await this.admin();
    const offsets = await translated('fetch offsets by timestamp', () => admin.fetchTopicOffsetsByTimestamp(topic, timestamp));
    for (const { partition, offset } of offsets) {
      if (this.assigned.some((a) => a.topic === topic && a.partition === partition)) {
        this.consumer.seek({ topic, partition, offset });
      }
    }
  }

  pause(topics: readonly string[]): void {
    for (const t of topics) this.paused.add(t);
    this.consumer.pause(topics.map((topic) => ({ topic })));
  }

  resume(topics: readonly string[]): void {
    for (const t of topics) this.paused.delete(t);
    this.consumer.resume(topics.map((topic) => ({ topic })));
  }

  assignment(): TopicPartition[] {
    return [...this.assigned];
  }

  async stop(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // disconnect() waits for the running batch (we leave it after the in-flight message),
    // commits resolved offsets and sends LeaveGroup.
    await translated('consumer stop', () => this.consumer.disconnect());
    this.onClosed(this);
  }

  async abort(): Promise<void> {
    if (this.closed) return;
    this.aborted = true;
    this.abortWake();
    await this.stop();
  }
}

function toBusMessage(topic: string, partition: number, m: KafkaMessage): BusMessage {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(m.headers ?? {})) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? String(value[value.length - 1]) : String(value);
  }
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key ? m.key.toString('utf8') : null,
    value: m.value ?? Buffer.alloc(0),
    headers,
    timestamp: Number(m.timestamp),
  };
}
