import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { type BusConsumer, type BusMessage, type EventBus, partitionForKey } from '@logbook/bus';
import { parseRelayed } from '@logbook/relay';
import { parseStreamName, resourceByKind, topicFor } from '@logbook/kube';
import type { Cause, ClusterClient } from './cluster-client.port';
import { ClientError } from './cluster-client.port';
import { type Controller, type ComponentLogger, keyOf } from './controller';
import { ObjectCache } from './object-cache';
import { WorkQueue } from './work-queue';
import { ControllerMetrics, type ReconcileOutcome } from './controller-metrics';
import { trackConsumerGroups } from '@logbook/observability';
import { EventBroadcaster } from './events/event-broadcaster';
import type { EventRecorder } from './events/event-recorder';

export interface ControllerHostOptions {
  readonly bus: EventBus;
  readonly client: ClusterClient;
  readonly controllers: readonly Controller[];
  readonly log: ComponentLogger;
  /** Distinguishes this replica's cache consumer group. */
  readonly instanceId?: string;
  /** Partitions of the `logbook.<plural>` topics (the relay's setting). Default 6. */
  readonly partitions?: number;
  /** Prepended to topic and consumer group names: several clusters can share one Kafka. */
  readonly topicPrefix?: string;
  readonly now?: () => Date;
  /** How often ownership (the consumer-group assignment) is re-read. Default 250 ms. */
  readonly assignmentPollMs?: number;
  /** Where reconcile, work-queue and consumer-group metrics go; default a private registry nobody scrapes. */
  readonly registry?: Registry;
  /** Where the controllers' Kubernetes Events go; default one of the host's own, writing through `client`. */
  readonly events?: EventBroadcaster;
}

/**
 * A hot key rests this many times the time its reconcile held the event loop: at most 10 % of
 * the loop each. A Deployment of 20,000 pods recounts them all per reconcile; at 4 (20 %) its
 * reconciles took 14 % of the process's CPU during placement, at 9 they take 10 %.
 */
const HOT_KEY_REST = 9;
const MAX_REST_MS = 1_000;

interface Running {
  readonly controller: Controller;
  readonly queue: WorkQueue;
  readonly causes: Map<string, Cause>;
  readonly recorder: EventRecorder;
  owner?: BusConsumer;
  owned: Set<number>;
}

/**
 * Runs controllers as consumer groups (DESIGN §4). Each replica keeps a full cache from a
 * consumer group of its own (every replica must see every object its controllers read), and
 * owns the keys whose partition of the primary kind's topic its member of the controller's
 * shared group is assigned: two replicas split the work; when one dies, the group rebalances
 * and the survivor re-queues every key of the partitions it gained, so nothing is lost.
 * Writes carry expected resourceVersions, so a key reconciled twice during a rebalance cannot
 * write twice.
 */
export class ControllerHost {
  readonly cache = new ObjectCache();
  private readonly running: Running[];
  private cacheConsumer?: BusConsumer;
  private readonly workers: Promise<void>[] = [];
  private pollTimer?: NodeJS.Timeout;
  private stopped = false;
  private readonly instanceId: string;
  private readonly partitions: number;
  private readonly prefix: string;
  private readonly now: () => Date;
  private readonly registry: Registry;
  private readonly metrics: ControllerMetrics;
  private readonly untrack: (() => void)[] = [];
  private started = false;
  /** The Events broadcaster, when the host made it (and so stops it). */
  private readonly ownEvents?: EventBroadcaster;

  constructor(private readonly o: ControllerHostOptions) {
    this.instanceId = o.instanceId ?? randomUUID().slice(0, 8);
    this.partitions = o.partitions ?? 6;
    this.prefix = o.topicPrefix ?? '';
    this.now = o.now ?? (() => new Date());
    this.registry = o.registry ?? new Registry();
    if (!o.events) this.ownEvents = new EventBroadcaster({ client: o.client, log: o.log, now: this.now, registry: this.registry });
    const events = o.events ?? this.ownEvents!;
    this.running = o.controllers.map((controller) => ({
      controller,
      queue: new WorkQueue(),
      causes: new Map(),
      recorder: events.recorderFor(controller.eventSource ?? controller.name),
      owned: new Set(),
    }));
    this.metrics = new ControllerMetrics(this.registry);
    for (const c of o.controllers) c.instrument?.(this.registry);
  }

  async start(): Promise<void> {
    const kinds = [...new Set(this.o.controllers.flatMap((c) => [c.primaryKind, ...c.watches]))];
    const topics = kinds.map((k) => this.topic(k));
    for (const t of topics) await this.o.bus.createTopic(t, this.partitions);

    const { items, position } = await this.o.client.listAll(kinds);
    this.cache.bootstrap(items, position);
    this.o.log.info({ objects: items.length, position, instance: this.instanceId }, 'cache bootstrapped');

    // The cache reads every partition of every watched kind; events already in the list are
    // dropped by position. Its group is this replica's own.
    const groups = [{ groupId: `${this.prefix}logbook-cache-${this.instanceId}`, topics }];
    this.cacheConsumer = await this.o.bus.consumer({ ...groups[0], fromBeginning: true });
    await this.cacheConsumer.run(async (m) => this.onMessage(m));

    for (const r of this.running) {
      const group = { groupId: `${this.prefix}logbook-${r.controller.name}`, topics: [this.topic(r.controller.primaryKind)] };
      groups.push(group);
      r.owner = await this.o.bus.consumer({ ...group, fromBeginning: false });
      // Ownership only: the messages themselves reach the cache through the consumer above.
      await r.owner.run(async () => undefined);
      for (let i = 0; i < (r.controller.workers ?? 2); i++) this.workers.push(this.work(r));
    }
    this.pollTimer = setInterval(() => this.refreshOwnership(), this.o.assignmentPollMs ?? 250);
    this.pollTimer.unref();
    this.refreshOwnership();
    this.untrack.push(
      trackConsumerGroups(this.registry, this.o.bus, () => groups),
      this.metrics.trackQueues(() => this.running.map((r) => ({ controller: r.controller.name, length: r.queue.length }))),
    );
    this.started = true;
  }

  /** Started, not stopped, and the cache's consumer has joined its group (it owns every partition of its topics). */
  get ready(): boolean {
    return this.started && !this.stopped && (this.cacheConsumer?.assignment().length ?? 0) > 0;
  }

  /** True when no controller has queued, running or scheduled work. */
  get idle(): boolean {
    return this.running.every((r) => r.queue.idle);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const stopReporting of this.untrack.splice(0)) stopReporting();
    clearInterval(this.pollTimer);
    for (const r of this.running) r.queue.close();
    await Promise.allSettled(this.workers);
    // Events the last reconciles recorded get a moment to be written while the client is still open.
    await this.ownEvents?.shutdown();
    await Promise.allSettled([this.cacheConsumer?.stop(), ...this.running.map((r) => r.owner?.stop())]);
  }

  private topic(kind: string): string {
    const resource = resourceByKind(kind);
    if (!resource) throw new Error(`unknown kind ${kind}`);
    return this.prefix + topicFor(resource);
  }

  private async onMessage(m: BusMessage): Promise<void> {
    const { envelope, object } = parseRelayed(m.value);
    const { kind } = parseStreamName(envelope.stream);
    const change = this.cache.apply(envelope.stream, kind, envelope.position, object);
    if (!change) return;
    const cause: Cause = { causationId: envelope.id, correlationId: envelope.metadata.correlationId };
    for (const r of this.running) {
      if (!r.controller.watches.includes(kind) && r.controller.primaryKind !== kind) continue;
      for (const key of r.controller.keysFor(change, this.cache)) {
        if (!this.owns(r, key)) continue;
        r.causes.set(key, cause);
        r.queue.add(key);
      }
    }
  }

  private owns(r: Running, key: string): boolean {
    return r.owned.has(partitionForKey(key, this.partitions));
  }

  private refreshOwnership(): void {
    for (const r of this.running) {
      const topic = this.topic(r.controller.primaryKind);
      const now = new Set((r.owner?.assignment() ?? []).filter((a) => a.topic === topic).map((a) => a.partition));
      const gained = [...now].filter((p) => !r.owned.has(p));
      r.owned = now;
      if (gained.length === 0) continue;
      // Newly owned partitions: everything in them may need work a previous owner did not finish.
      let queued = 0;
      for (const obj of this.cache.list(r.controller.primaryKind)) {
        const key = keyOf(obj);
        if (gained.includes(partitionForKey(key, this.partitions))) {
          r.queue.add(key);
          queued++;
        }
      }
      this.o.log.info({ controller: r.controller.name, partitions: [...now].sort(), gained, queued }, 'ownership changed');
    }
  }

  private async work(r: Running): Promise<void> {
    for (;;) {
      const key = await r.queue.next();
      if (key === undefined) return;
      let syncMs = 0;
      let started: number | undefined;
      let outcome: ReconcileOutcome = 'success';
      try {
        if (!this.owns(r, key)) continue; // lost the partition since the key was queued
        started = performance.now();
        const pending = r.controller.reconcile(key, { cache: this.cache, client: this.o.client, cause: r.causes.get(key) ?? {}, now: this.now, log: this.o.log, recorder: r.recorder });
        // The part before the first await holds the event loop (cache scans); see done() below.
        syncMs = performance.now() - started;
        const result = await pending;
        r.queue.forget(key);
        if (result && result.requeueAfterMs >= 0) {
          outcome = 'requeue';
          r.queue.addAfter(key, result.requeueAfterMs);
        }
      } catch (err) {
        if (err instanceof ClientError && err.isNotFound) {
          outcome = 'not_found';
          r.queue.forget(key); // the object is gone; a later event brings the key back if needed
        } else {
          // A conflict means the cache was behind the write; the event that caught it up requeues too.
          const conflict = err instanceof ClientError && err.isConflict;
          outcome = conflict ? 'conflict' : 'error';
          this.o.log[conflict ? 'debug' : 'warn']({ controller: r.controller.name, key, err: (err as Error).message }, 'reconcile failed; retrying with back-off');
          r.queue.addRateLimited(key);
        }
      } finally {
        if (started !== undefined) this.metrics.observeReconcile(r.controller.name, outcome, (performance.now() - started) / 1000);
        // A key whose reconcile blocks the loop for t ms rests HOT_KEY_REST × t before its next
        // run, so one hot key takes at most 1/(1 + HOT_KEY_REST) of the loop; cheap keys never rest.
        r.queue.done(key, Math.min(HOT_KEY_REST * syncMs, MAX_REST_MS));
      }
    }
  }
}
