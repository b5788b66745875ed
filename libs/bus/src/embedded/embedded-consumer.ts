import type { BusConsumer, BusMessage, ConsumerOptions, MessageHandler, TopicPartition } from '../event-bus.port';
import { BusError } from '../errors';
import type { EmbeddedBroker } from './embedded-broker';
import type { GroupCoordinator, GroupMember } from './group-coordinator';
import { retryDelay } from '../retry-delay';

interface Position {
  readonly topic: string;
  readonly partition: number;
  next: number;
  /** `next` moved past what the store has committed for the group. */
  dirty?: boolean;
}

const FETCH_LIMIT = 200;
const IDLE_POLL_MS = 500;

/** A member of an embedded consumer group; see GroupCoordinator for the rebalance protocol. */
export class EmbeddedConsumer implements BusConsumer, GroupMember {
  readonly topics: readonly string[];
  readonly sessionTimeoutMs: number;
  private readonly group: GroupCoordinator;
  private state: 'created' | 'running' | 'stopping' | 'stopped' = 'created';
  private aborted = false;
  private abortWake: () => void = () => undefined;
  private readonly abortPromise = new Promise<void>((resolve) => (this.abortWake = resolve));
  private positions = new Map<string, Position>();
  private revoking = false;
  /** Bumped whenever what the loop may deliver changes (seek, pause, revoke, stop). */
  private epoch = 0;
  private cursor = 0;
  private readonly paused = new Set<string>();
  private inFlight: Promise<void> | null = null;
  private loopDone: Promise<void> = Promise.resolve();

  constructor(
    private readonly broker: EmbeddedBroker,
    private readonly options: ConsumerOptions & { onError?: (error: unknown, message: BusMessage) => void },
    private readonly onClosed: (consumer: EmbeddedConsumer) => void,
  ) {
    this.topics = [...options.topics];
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? 30_000;
    this.group = broker.group(options.groupId);
  }

  async run(handler: MessageHandler): Promise<void> {
    if (this.state !== 'created') throw new BusError('consumer already started', { code: 'ConsumerState' });
    for (const topic of this.topics) this.broker.partitionsOf(topic);
    this.state = 'running';
    await this.group.join(this);
    this.loopDone = this.loop(handler);
  }

  async seek(topic: string, partition: number, offset: string | 'earliest'): Promise<void> {
    const position = this.positions.get(id(topic, partition));
    if (!position) throw new BusError(`${topic}[${partition}] is not assigned to this member`, { code: 'NotAssigned' });
    position.next = offset === 'earliest' ? 0 : Number(offset);
    this.interrupt();
  }

  async seekToTimestamp(topic: string, timestamp: number): Promise<void> {
    for (const position of this.positions.values()) {
      if (position.topic === topic) position.next = this.broker.store.offsetForTimestamp(topic, position.partition, timestamp);
    }
    this.interrupt();
  }

  pause(topics: readonly string[]): void {
    for (const t of topics) this.paused.add(t);
    this.interrupt();
  }

  resume(topics: readonly string[]): void {
    for (const t of topics) this.paused.delete(t);
    this.interrupt();
  }

  assignment(): TopicPartition[] {
    return [...this.positions.values()].map(({ topic, partition }) => ({ topic, partition }));
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping') return this.loopDone;
    const wasRunning = this.state === 'running';
    this.state = 'stopping';
    this.interrupt();
    await this.loopDone;
    if (wasRunning) await this.group.leave(this);
    this.state = 'stopped';
    this.onClosed(this);
  }

  async abort(): Promise<void> {
    if (this.state === 'stopped') return;
    const wasRunning = this.state === 'running' || this.state === 'stopping';
    this.aborted = true;
    this.state = 'stopped';
    this.abortWake();
    this.interrupt();
    if (wasRunning) await this.group.leave(this);
    this.onClosed(this);
  }

  async revoke(timeoutMs: number): Promise<boolean> {
    this.revoking = true;
    this.interrupt();
    let inTime = true;
    if (this.inFlight && !this.aborted) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
      inTime = await Promise.race([this.inFlight.then(() => true as const), timeout]);
      clearTimeout(timer);
    }
    // What was processed is committed before the partitions go to another member.
    for (const position of this.positions.values()) this.flush(position);
    this.positions = new Map();
    return inTime && !this.aborted;
  }

  assign(_generation: number, partitions: TopicPartition[]): void {
    const { store } = this.broker;
    this.positions = new Map(
      partitions.map(({ topic, partition }) => {
        let next = store.committed(this.options.groupId, topic, partition);
        if (next === undefined) {
          next = this.options.fromBeginning ? 0 : store.endOffset(topic, partition);
          // Committing "latest" at once keeps a later owner from skipping what arrives meanwhile.
          if (!this.options.fromBeginning) store.commit(this.options.groupId, topic, partition, next);
        }
        return [id(topic, partition), { topic, partition, next }];
      }),
    );
    this.revoking = false;
    this.interrupt();
  }

  private async loop(handler: MessageHandler): Promise<void> {
    while (this.state === 'running') {
      const epoch = this.epoch;
      const work = this.revoking ? undefined : this.nextWork();
      if (!work) {
        await Promise.race([this.broker.waitForChange(IDLE_POLL_MS), this.abortPromise]);
        continue;
      }
      for (const message of work.messages) {
        if (this.state !== 'running' || this.revoking || this.epoch !== epoch) break;
        this.inFlight = this.deliver(handler, work.position, message);
        await this.inFlight;
        this.inFlight = null;
      }
      // One offset commit per fetched batch, not per message (a crash redelivers at most a batch).
      this.flush(work.position);
    }
  }

  private flush(position: Position): void {
    if (!position.dirty || this.aborted || this.positions.get(id(position.topic, position.partition)) !== position) return;
    position.dirty = false;
    if (this.group.isMember(this)) this.broker.store.commit(this.options.groupId, position.topic, position.partition, position.next);
  }

  private nextWork(): { position: Position; messages: BusMessage[] } | undefined {
    const candidates = [...this.positions.values()].filter((p) => !this.paused.has(p.topic));
    for (let i = 0; i < candidates.length; i++) {
      const position = candidates[(this.cursor + i) % candidates.length];
      if (position.next >= this.broker.store.endOffset(position.topic, position.partition)) continue;
      this.cursor = (this.cursor + i + 1) % candidates.length;
      return { position, messages: this.broker.store.read(position.topic, position.partition, position.next, FETCH_LIMIT) };
    }
    return undefined;
  }

  /** Runs the handler until it succeeds (retrying in place keeps per-key order), then commits. */
  private async deliver(handler: MessageHandler, position: Position, message: BusMessage): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await Promise.race([handler(message), this.abortPromise]);
        break;
      } catch (error) {
        if (this.aborted) return;
        this.options.onError?.(error, message);
        await Promise.race([new Promise((r) => setTimeout(r, retryDelay(attempt))), this.abortPromise]);
        if (this.state !== 'running' || this.revoking) return;
      }
    }
    const offset = Number(message.offset);
    if (this.aborted || position.next !== offset || this.positions.get(id(position.topic, position.partition)) !== position) return;
    position.next = offset + 1;
    position.dirty = true;
  }

  private interrupt(): void {
    this.epoch++;
    this.broker.notify();
  }
}

function id(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
