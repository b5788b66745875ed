import type { BusProducer, EventBus, TopicMessages } from '@logbook/bus';
import type { StoredEvent } from '@logbook/events';
import type { CheckpointStore, EventStore, SnapshotStore, Subscription } from '@logbook/eventstore';
import { RESOURCES, topicFor } from '@logbook/kube';
import { type ClusterState, stateAt } from '@logbook/projections';
import { nodeTopic, podEventNodes, relayMessage } from './relay-message';
import { Registry } from 'prom-client';
import { RelayMetrics } from './relay-metrics';

/** The subset of a pino logger the relay uses. */
export interface RelayLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface RelayOptions {
  readonly store: EventStore;
  readonly checkpoints: CheckpointStore;
  /** Makes start-up fast: the fold restarts from the newest snapshot at or before the checkpoint. */
  readonly snapshots?: SnapshotStore;
  readonly bus: EventBus;
  /** Checkpoint name; one per bus the log is relayed to (see relayCheckpointName). */
  readonly name: string;
  /** Prepended to every topic name (several clusters, or tests, on one Kafka). Default ''. */
  readonly topicPrefix?: string;
  /** Partitions of each `logbook.<plural>` topic created at start. Default 6. */
  readonly partitions?: number;
  /** Events read per page while catching up. Default 2000. */
  readonly pageSize?: number;
  /** Messages per produce request. Default 1000. */
  readonly batchSize?: number;
  /**
   * Live mode. `subscribe` (default) follows the store's subscribeAll, which only sees appends
   * made through the same store object; a relay in another process than the writer must poll.
   */
  readonly live?: 'subscribe' | { readonly pollIntervalMs: number };
  readonly logger?: RelayLogger;
  /** Called after every acknowledged batch (metrics). */
  readonly onPublished?: (batch: { readonly events: number; readonly position: number; readonly ms: number }) => void;
  /** Where the relay's metrics go (docs/operations.md "Metrics"); default a private registry nobody scrapes. */
  readonly registry?: Registry;
  /** Called when publishing stopped on an error it cannot retry (the store failed): a process should exit. */
  readonly onFatal?: (error: unknown) => void;
}

export function relayCheckpointName(busUrl: string): string {
  return `relay:${busUrl}`;
}

const RETRY_MAX_MS = 5_000;

/**
 * Publishes the log to the bus (DESIGN §4): every event, in log order, to its kind's topic,
 * keyed by object, carrying the envelope and the object's resulting state. The checkpoint
 * advances only after the bus acknowledged a batch, so a crash republishes at most the
 * unacknowledged tail: delivery is at-least-once and consumers dedupe by position.
 */
export class Relay {
  private state!: ClusterState;
  private producer?: BusProducer;
  private published = 0;
  private running = false;
  private pump: Promise<void> = Promise.resolve();
  private subscription?: Subscription;
  private pending: StoredEvent[] = [];
  private wake?: () => void;
  /** Per-node topics known to exist (created on first use, 1 partition each). */
  private readonly nodeTopics = new Set<string>();
  private readonly waiters = new Set<{ position: number; resolve: () => void }>();
  private readonly o: Required<Omit<RelayOptions, 'snapshots' | 'logger' | 'onPublished' | 'registry' | 'onFatal'>> & RelayOptions;
  private readonly metrics: RelayMetrics;
  /** Set once the relay has published everything the log held when it started. */
  private caughtUp = false;

  constructor(options: RelayOptions) {
    this.o = { topicPrefix: '', partitions: 6, pageSize: 2000, batchSize: 1000, live: 'subscribe', ...options };
    this.metrics = new RelayMetrics(options.registry ?? new Registry(), options.name);
  }

  /** Running, and it has caught up with the log as it was at start (readiness). */
  get ready(): boolean {
    return this.running && this.caughtUp;
  }

  /** The last position the bus acknowledged (the checkpoint). */
  get position(): number {
    return this.published;
  }

  /** Creates the topics, rebuilds the state at the checkpoint and starts publishing. */
  async start(): Promise<void> {
    if (this.running) return;
    await Promise.all(RESOURCES.map((r) => this.o.bus.createTopic(this.o.topicPrefix + topicFor(r), this.o.partitions)));
    this.published = (await this.o.checkpoints.getCheckpoint(this.o.name)) ?? 0;
    this.state = await stateAt(this.o.store, this.o.snapshots, this.published);
    this.producer = await this.o.bus.producer();
    this.running = true;
    this.metrics.track(() => this.published, () => this.o.store.headPosition());
    this.o.logger?.info({ checkpoint: this.published, name: this.o.name }, 'relay started');
    this.pump = this.run().catch((error) => {
      this.o.logger?.error({ err: error }, 'relay stopped on an error');
      this.running = false;
      this.o.onFatal?.(error);
    });
  }

  /** Resolves once every event up to `position` is acknowledged by the bus. */
  waitFor(position: number, timeoutMs = 30_000): Promise<void> {
    if (this.published >= position) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        position,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`relay did not reach position ${position} within ${timeoutMs} ms (at ${this.published})`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Stops reading, finishes the batch in flight (and its checkpoint), closes the producer. */
  async stop(): Promise<void> {
    if (!this.running && !this.producer) return;
    this.running = false;
    this.metrics.stop();
    await this.subscription?.close();
    this.wake?.();
    await this.pump;
    await this.producer?.close().catch(() => undefined);
    this.producer = undefined;
    this.o.logger?.info({ checkpoint: this.published }, 'relay stopped');
  }

  private async run(): Promise<void> {
    await this.catchUp();
    this.caughtUp = true;
    const live = this.o.live;
    if (live === 'subscribe') {
      if (!this.running) return;
      this.subscription = this.o.store.subscribeAll(this.published, (event) => this.enqueue(event));
      while (this.running || this.pending.length > 0) {
        if (this.pending.length === 0) {
          if (!this.running) break;
          await new Promise<void>((resolve) => (this.wake = resolve));
          continue;
        }
        await this.publish(this.pending.splice(0, this.o.batchSize));
      }
    } else {
      while (this.running) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, live.pollIntervalMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        await this.catchUp();
      }
    }
  }

  private async catchUp(): Promise<void> {
    while (this.running) {
      const page = await this.o.store.readAll({ after: this.published, limit: this.o.pageSize });
      if (page.length === 0) return;
      for (let i = 0; i < page.length && this.running; i += this.o.batchSize) {
        await this.publish(page.slice(i, i + this.o.batchSize));
      }
    }
  }

  /** subscribeAll awaits this: a full queue holds the subscription back (back-pressure). */
  private async enqueue(event: StoredEvent): Promise<void> {
    if (event.position <= this.published || this.pending.some((e) => e.position === event.position)) return;
    this.pending.push(event);
    this.wake?.();
    while (this.running && this.pending.length >= this.o.batchSize * 2) {
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  private async publish(events: StoredEvent[]): Promise<void> {
    if (events.length === 0) return;
    const started = Date.now();
    const batch = this.toBatch(events);
    const last = events[events.length - 1].position;
    for (let attempt = 0; ; attempt++) {
      try {
        // Inside the retry: a node's first pod needs its topic, and the broker may be down then too.
        await this.createNodeTopics(batch);
        if (batch.length > 0) await this.producer!.sendBatch(batch);
        break;
      } catch (error) {
        // The log is the source of truth: never skip, retry until the bus is back (or we stop).
        this.o.logger?.warn({ err: error, attempt, position: last }, 'publish failed, retrying');
        if (!this.running && attempt >= 2) throw error;
        await new Promise((r) => setTimeout(r, Math.min(RETRY_MAX_MS, 100 * 2 ** attempt)));
      }
    }
    await this.o.checkpoints.setCheckpoint(this.o.name, last);
    this.published = last;
    this.o.onPublished?.({ events: events.length, position: last, ms: Date.now() - started });
    this.metrics.onPublished(events.length, Date.now() - started);
    for (const waiter of [...this.waiters]) {
      if (waiter.position <= last) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  /**
   * Folds the events into the state and groups their messages by topic, in log order. A Pod
   * event is also published, unchanged, to the topic of the node the pod is (or was) bound to,
   * so a node agent reads only its own pods (docs/architecture.md, "Per-node delivery").
   */
  private toBatch(events: StoredEvent[]): TopicMessages[] {
    const byTopic = new Map<string, TopicMessages['messages'][number][]>();
    const push = (topic: string, message: TopicMessages['messages'][number]) => {
      let list = byTopic.get(topic);
      if (!list) byTopic.set(topic, (list = []));
      list.push(message);
    };
    for (const event of events) {
      const { before, after } = this.state.apply(event);
      const out = relayMessage(event, after);
      if (!out) {
        this.o.logger?.warn({ stream: event.stream, position: event.position }, 'no topic for this kind; event not relayed');
        continue;
      }
      push(this.o.topicPrefix + out.topic, out.message);
      const kind = event.stream.slice(0, event.stream.indexOf('/'));
      for (const node of podEventNodes(kind, before, after)) push(this.o.topicPrefix + nodeTopic(node), out.message);
    }
    return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
  }

  private async createNodeTopics(batch: readonly TopicMessages[]): Promise<void> {
    const prefix = this.o.topicPrefix + nodeTopic('');
    for (const { topic } of batch) {
      if (!topic.startsWith(prefix) || this.nodeTopics.has(topic)) continue;
      await this.o.bus.createTopic(topic, 1);
      this.nodeTopics.add(topic);
    }
  }
}
