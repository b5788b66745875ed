/**
 * The bus (DESIGN §4): topics split into partitions, messages routed by key so one key's
 * messages stay in order, consumer groups that split partitions between their members and
 * keep committed offsets. Delivery is at-least-once; consumers dedupe by log position
 * (see dedupeByPosition).
 */
export interface BusMessage {
  readonly topic: string;
  readonly partition: number;
  /** Offset within the partition, as a decimal string (Kafka offsets are 64-bit). */
  readonly offset: string;
  readonly key: string | null;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  /** Milliseconds since the epoch at which the message was produced. */
  readonly timestamp: number;
}

export interface OutgoingMessage {
  readonly key: string | null;
  readonly value: Buffer | string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface TopicMessages {
  readonly topic: string;
  readonly messages: readonly OutgoingMessage[];
}

export interface BusProducer {
  /** Resolves once every message is acknowledged by the bus (Kafka: acks=all, idempotent). */
  send(topic: string, messages: readonly OutgoingMessage[]): Promise<void>;
  /** Like send, for several topics in one request; order is kept per topic and key. */
  sendBatch(batch: readonly TopicMessages[]): Promise<void>;
  close(): Promise<void>;
}

export interface ConsumerOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Where a group with no committed offset starts: earliest when true, latest otherwise. */
  readonly fromBeginning?: boolean;
  /** How long a silent member keeps its partitions (Kafka session timeout). */
  readonly sessionTimeoutMs?: number;
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export type MessageHandler = (message: BusMessage) => Promise<void>;

export interface BusConsumer {
  /**
   * Starts delivering messages, one at a time per consumer, in offset order per partition.
   * A message's offset is committed only after its handler resolved. Resolves once running.
   */
  run(handler: MessageHandler): Promise<void>;
  /** Moves the fetch position of an assigned partition; only valid after run(). */
  seek(topic: string, partition: number, offset: string | 'earliest'): Promise<void>;
  /** Moves every assigned partition of the topic to the first message at or after `timestamp`. */
  seekToTimestamp(topic: string, timestamp: number): Promise<void>;
  pause(topics: readonly string[]): void;
  resume(topics: readonly string[]): void;
  /** Partitions this member owns in the group's current generation. */
  assignment(): TopicPartition[];
  /** Graceful: finishes the in-flight message, commits what was processed, leaves the group. */
  stop(): Promise<void>;
  /**
   * Simulates a crash: the in-flight message is abandoned and never committed, the member
   * is gone at once. Meant for tests of takeover; a real crash is a killed process.
   */
  abort(): Promise<void>;
}

/** Where a consumer group stands in one partition (what `kafka-consumer-groups --describe` shows). */
export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  /** The group's committed offset: the next message it will read. Undefined before its first commit. */
  readonly committed?: string;
  /** The offset the next message produced to the partition will get (Kafka's high watermark). */
  readonly end: string;
  /**
   * end − committed. Undefined before the group's first commit there: where it will start is not
   * known (a group that starts at the latest offset has no lag; Kafka's tools print "-").
   */
  readonly lag?: number;
}

export interface EventBus {
  /** Creates the topic if it does not exist; an existing topic is left as it is. */
  createTopic(topic: string, partitions: number): Promise<void>;
  producer(): Promise<BusProducer>;
  consumer(options: ConsumerOptions): Promise<BusConsumer>;
  /**
   * Committed offset, end offset and lag of a consumer group in every partition of the topics
   * (an admin read: it works whether or not a member of the group runs in this process).
   */
  lag(groupId: string, topics: readonly string[]): Promise<PartitionLag[]>;
  /** Stops every producer and consumer this bus made, then releases its connections. */
  close(): Promise<void>;
}

/** The header carrying the log position of the event a message was published for. */
export const POSITION_HEADER = 'logbook-position';
