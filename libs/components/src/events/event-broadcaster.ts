import type { Counter, Registry } from 'prom-client';
import { type KubeObject } from '@logbook/kube';
import { counter } from '@logbook/observability';
import { type Cause, ClientError, type ClusterClient } from '../cluster-client.port';
import type { ComponentLogger } from '../controller';
import { type CorrelatorOptions, EventCorrelator, type EventSource } from './event-correlator';
import { type EventRecorder, type EventType, type ObjectReference, isReference, referenceTo } from './event-recorder';

export interface EventBroadcasterOptions {
  /** Where Events are written (the component's own client, so they carry its identity). */
  readonly client: ClusterClient;
  readonly log?: ComponentLogger;
  readonly now?: () => Date;
  /** `logbook_kube_events_*` counters go here. */
  readonly registry?: Registry;
  /** Writes waiting at most; beyond it an occurrence is dropped and counted (client-go's 1000). */
  readonly queueSize?: number;
  /** Writes in flight at once. Default 128. */
  readonly concurrency?: number;
  /**
   * Writes start in waves at most this often (default 50 ms): a wave's appends share one group
   * commit (one fsync) in the log, instead of Events trickling into commits of their own.
   */
  readonly batchIntervalMs?: number;
  /** Pause before retrying a write the API server did not answer (client-go: 10 s, the first one jittered). */
  readonly retryDelayMs?: number;
  /** Tries per write before it is given up (client-go's 12). */
  readonly maxTries?: number;
  readonly correlator?: CorrelatorOptions;
}

interface PendingWrite {
  event: KubeObject;
  /** Whether the Event is new (POST) rather than counted up (PUT; a 404 then creates it). */
  create: boolean;
  cause: Cause;
  tries: number;
}

type DropReason = 'queue_full' | 'rate_limited' | 'rejected' | 'unreachable';

const SILENT: ComponentLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Records Kubernetes Events for a component (client-go's EventBroadcaster and its sink): each
 * occurrence is correlated at once (aggregation, deduplication, spam filter), then written in
 * the background through the component's ClusterClient — never in the caller's reconcile.
 * Writes are keyed by Event name: a repeat of an Event still waiting replaces it (one write
 * carries the latest count), and one Event is never written twice at once, so a count-up never
 * overtakes its create. At most `queueSize` writes wait; further occurrences are dropped and
 * counted, as client-go drops when its 1000-event channel is full.
 */
export class EventBroadcaster {
  private readonly correlator: EventCorrelator;
  private readonly log: ComponentLogger;
  private readonly now: () => Date;
  private readonly queueSize: number;
  private readonly concurrency: number;
  private readonly batchIntervalMs: number;
  private lastPumpMs = 0;
  private readonly retryDelayMs: number;
  private readonly maxTries: number;
  private readonly pending = new Map<string, PendingWrite>();
  private readonly inFlight = new Set<string>();
  private readonly retries = new Set<NodeJS.Timeout>();
  private idleWaiters: (() => void)[] = [];
  private closed = false;
  private pumpScheduled = false;
  private sequence = 0;
  private readonly droppedBy = new Map<DropReason, number>();
  private readonly written?: Counter<'action'>;
  private readonly droppedCounter?: Counter<'reason'>;

  constructor(private readonly o: EventBroadcasterOptions) {
    this.correlator = new EventCorrelator(o.correlator);
    this.log = o.log ?? SILENT;
    this.now = o.now ?? (() => new Date());
    this.queueSize = o.queueSize ?? 1000;
    this.concurrency = o.concurrency ?? 128;
    this.batchIntervalMs = o.batchIntervalMs ?? 50;
    this.retryDelayMs = o.retryDelayMs ?? 10_000;
    this.maxTries = o.maxTries ?? 12;
    if (o.registry) {
      this.written = counter(o.registry, { name: 'logbook_kube_events_written_total', help: 'Kubernetes Events this process wrote: action is create (a new Event) or update (a repeat counted up).', labelNames: ['action'] });
      this.droppedCounter = counter(o.registry, {
        name: 'logbook_kube_events_dropped_total',
        help: 'Kubernetes Event occurrences not written: queue_full (the recorder queue held its limit), rate_limited (the spam filter), rejected (the API answered 4xx), unreachable (retries exhausted).',
        labelNames: ['reason'],
      });
    }
  }

  /** A recorder whose Events carry `source.component` (and `source.host`, the node, for node components). */
  recorderFor(component: string, host?: string): EventRecorder {
    const source: EventSource = host ? { component, host } : { component };
    return { event: (about, type, reason, message, cause) => this.record(source, about, type, reason, message, cause) };
  }

  /** Occurrences dropped so far, by reason. */
  dropped(reason?: DropReason): number {
    if (reason) return this.droppedBy.get(reason) ?? 0;
    return [...this.droppedBy.values()].reduce((a, b) => a + b, 0);
  }

  /** Writes waiting or in flight. */
  get backlog(): number {
    return this.pending.size + this.inFlight.size;
  }

  /** Resolves once nothing waits or is in flight (retries waiting for their delay count as waiting). */
  async flush(timeoutMs = 5_000): Promise<boolean> {
    if (this.backlog === 0 && this.retries.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const drained = new Promise<boolean>((resolve) => this.idleWaiters.push(() => resolve(true)));
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([drained, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops taking occurrences, gives what is queued up to `timeoutMs` to be written, then abandons the rest. */
  async shutdown(timeoutMs = 2_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.retries) clearTimeout(t);
    this.retries.clear();
    const drained = await this.flush(timeoutMs);
    if (!drained) this.log.warn({ abandoned: this.backlog }, 'stopping with Kubernetes Events not yet written');
    this.pending.clear();
  }

  private record(source: EventSource, about: KubeObject | ObjectReference, type: EventType, reason: string, message: string, cause: Cause): void {
    if (this.closed) return;
    try {
      const involvedObject = isReference(about) ? about : referenceTo(about);
      const nowMs = this.now().getTime();
      const result = this.correlator.correlate({ involvedObject, type, reason, message, source, name: this.eventName(involvedObject.name, nowMs) }, nowMs);
      if (result.action === 'skip') return this.drop('rate_limited');
      this.enqueue(result.event, result.action === 'create', { ...cause });
    } catch (err) {
      // Recording is best effort: whatever went wrong must not reach the caller's reconcile.
      this.log.warn({ reason, err: (err as Error).message }, 'could not record a Kubernetes Event');
    }
  }

  private enqueue(event: KubeObject, create: boolean, cause: Cause): void {
    const key = `${event.metadata.namespace}/${event.metadata.name}`;
    const waiting = this.pending.get(key);
    if (waiting) {
      // Only the newest state of an Event matters: one write carries every repeat since.
      waiting.event = event;
      waiting.cause = cause;
      return;
    }
    if (this.backlog >= this.queueSize) return this.drop('queue_full');
    this.pending.set(key, { event, create, cause, tries: 0 });
    this.schedulePump();
  }

  /**
   * Writes start after the caller's turn of the event loop (none of their cost lands in its
   * reconcile), and at most once per batch interval, all that wait at once.
   */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    const wait = Math.max(0, this.lastPumpMs + this.batchIntervalMs - Date.now());
    const timer = setTimeout(() => {
      this.pumpScheduled = false;
      this.lastPumpMs = Date.now();
      this.pump();
    }, wait);
    timer.unref();
  }

  private pump(): void {
    for (const [key, write] of this.pending) {
      if (this.inFlight.size >= this.concurrency) return;
      if (this.inFlight.has(key)) continue; // its earlier write must land first
      this.pending.delete(key);
      this.inFlight.add(key);
      void this.write(key, write).finally(() => {
        this.inFlight.delete(key);
        if (this.pending.size > 0) this.schedulePump();
        if (this.backlog === 0 && this.retries.size === 0) for (const wake of this.idleWaiters.splice(0)) wake();
      });
    }
  }

  private async write(key: string, w: PendingWrite): Promise<void> {
    try {
      await this.send(w);
      this.written?.inc({ action: w.create ? 'create' : 'update' });
    } catch (err) {
      if (err instanceof ClientError) {
        // As client-go: the server answered, so the request itself is at fault; retrying cannot help.
        this.log.debug({ event: key, reason: w.event.reason, code: err.code, err: err.message }, 'Kubernetes Event rejected');
        return this.drop('rejected');
      }
      w.tries++;
      if (w.tries >= this.maxTries || this.closed) {
        this.log.warn({ event: key, reason: w.event.reason, tries: w.tries, err: (err as Error).message }, 'giving up on a Kubernetes Event: the API server did not answer');
        return this.drop('unreachable');
      }
      this.retryLater(key, w);
    }
  }

  private async send(w: PendingWrite): Promise<void> {
    if (w.create) {
      await this.o.client.create(w.event, w.cause);
      return;
    }
    try {
      // No resourceVersion: an Event is its recorder's alone, so the update is unconditional.
      await this.o.client.update(w.event, w.cause);
    } catch (err) {
      // Expired (TTL) or never written (dropped earlier): the repeat becomes the Event.
      if (!(err instanceof ClientError && err.isNotFound)) throw err;
      await this.o.client.create(w.event, w.cause);
    }
  }

  private retryLater(key: string, w: PendingWrite): void {
    // The first pause is jittered so that components do not all come back at once.
    const delay = w.tries === 1 ? Math.random() * this.retryDelayMs : this.retryDelayMs;
    const timer = setTimeout(() => {
      this.retries.delete(timer);
      const newer = this.pending.get(key);
      if (newer) newer.create ||= w.create;
      else this.pending.set(key, w);
      this.schedulePump();
    }, delay);
    timer.unref();
    this.retries.add(timer);
  }

  private drop(reason: DropReason): void {
    this.droppedBy.set(reason, (this.droppedBy.get(reason) ?? 0) + 1);
    this.droppedCounter?.inc({ reason });
  }

  /** `<object>.<hex>` as Kubernetes names Events: the hex of the time in nanoseconds, unique within the process. */
  private eventName(objectName: string, nowMs: number): string {
    const nanos = BigInt(nowMs) * 1_000_000n + BigInt(this.sequence++ % 1_000_000);
    return `${objectName}.${nanos.toString(16)}`;
  }
}
