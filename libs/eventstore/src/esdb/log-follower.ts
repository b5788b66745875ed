import { START, streamNameFilter, type AllStreamResolvedEvent, type AllStreamSubscription, type EventStoreDBClient } from '@eventstore/db-client';
import type { StoredEvent } from '@logbook/events';
import { EventStoreClosed, EventStoreUnavailable } from '../errors';
import { eventTimeMs, fromRecorded, logbookId } from './event-encoding';
import { toPortError } from './esdb-errors';
import type { PositionIndex } from './position-index';
import type { PositionWindow } from '../subscription/position-window';
import type { StreamNames } from './stream-names';

interface IdWaiter {
  resolve(position: number): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * One catch-up subscription to `$all`, filtered on the log's stream prefix, per process: it
 * numbers the log's events (PositionIndex), keeps the newest in memory (a PositionWindow) and
 * wakes the port's subscriptions, so appends of every process (API server replicas) are seen
 * live. On a dropped connection it resubscribes from the last event it numbered.
 */
export class LogFollower {
  /** Resolves once every event stored when the follower started is indexed. */
  readonly ready: Promise<void>;
  private markReady!: () => void;
  private readonly idWaiters = new Map<string, IdWaiter[]>();
  private current?: AllStreamSubscription;
  private stopped = false;
  private running?: Promise<void>;
  /** Ends the back-off wait before a resubscription, so stop() does not wait it out. */
  private wakeBackOff?: () => void;

  constructor(
    private readonly client: EventStoreDBClient,
    private readonly names: StreamNames,
    private readonly index: PositionIndex,
    private readonly recent: PositionWindow<StoredEvent>,
    private readonly onAdvance: () => void,
    private readonly onError: (error: unknown) => void,
  ) {
    this.ready = new Promise<void>((resolve) => (this.markReady = resolve));
  }

  start(): void {
    this.running ??= this.run();
  }

  /** The position of the event with this Logbook id, once the follower has seen it. */
  positionOf(id: string, timeoutMs: number): Promise<number> {
    const known = this.index.positionOf(id);
    if (known !== undefined) return Promise.resolve(known);
    if (this.stopped) return Promise.reject(new EventStoreClosed());
    return new Promise<number>((resolve, reject) => {
      const waiter: IdWaiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.dropWaiter(id, waiter);
          reject(new EventStoreUnavailable(`event ${id} was appended but not seen on $all within ${timeoutMs} ms; EventStoreDB may be unreachable`));
        }, timeoutMs),
      };
      this.idWaiters.set(id, [...(this.idWaiters.get(id) ?? []), waiter]);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    // Cancelling the call does not end the client's stream by itself; destroying it ends the loop.
    await this.current?.unsubscribe().catch(() => undefined);
    this.current?.destroy();
    this.wakeBackOff?.();
    await this.running;
    for (const [id, waiters] of this.idWaiters) {
      for (const w of waiters) {
        clearTimeout(w.timer);
        w.reject(new EventStoreClosed());
      }
      this.idWaiters.delete(id);
    }
  }

  private async run(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      const subscription = this.client.subscribeToAll({
        fromPosition: this.index.lastEsdbPosition ?? START,
        filter: streamNameFilter({ prefixes: [this.names.logPrefix] }),
      });
      this.current = subscription;
      let consumed = 0;
      let caughtUpAt: number | undefined;
      // The client emits caughtUp when the server says so, while up to a buffer's worth of
      // earlier events may still wait to be read here: ready once those are indexed too.
      subscription.on('caughtUp', () => {
        caughtUpAt = consumed + subscription.readableLength;
        if (consumed >= caughtUpAt) this.markReady();
      });
      try {
        for await (const resolved of subscription as AsyncIterable<AllStreamResolvedEvent>) {
          consumed += 1;
          attempt = 0;
          this.accept(resolved);
          if (caughtUpAt !== undefined && consumed >= caughtUpAt) this.markReady();
        }
      } catch (error) {
        if (this.stopped) return;
        this.onError(toPortError(error, { operation: 'following $all' }));
      }
      if (this.stopped) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(5000, 100 * 2 ** attempt));
        this.wakeBackOff = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private accept(resolved: AllStreamResolvedEvent): void {
    const recorded = resolved.event;
    if (!recorded) return;
    const stream = this.names.fromObject(recorded.streamId);
    const id = logbookId(recorded);
    // Something else wrote into the log's prefix: not Logbook's, not numbered (by every reader alike).
    if (stream === undefined || id === undefined) return;
    const provisional = fromRecorded(recorded, stream, this.index.head + 1);
    const position = this.index.add(id, recorded.position, eventTimeMs(recorded), createdUid(provisional));
    if (position === undefined) return;
    // Every subscriber gets this same object: frozen, as consumers treat events as read-only.
    Object.freeze(provisional.metadata);
    this.recent.push([Object.freeze(provisional)]);
    const waiters = this.idWaiters.get(id);
    if (waiters) {
      this.idWaiters.delete(id);
      for (const w of waiters) {
        clearTimeout(w.timer);
        w.resolve(position);
      }
    }
    this.onAdvance();
  }

  private dropWaiter(id: string, waiter: IdWaiter): void {
    const left = (this.idWaiters.get(id) ?? []).filter((w) => w !== waiter);
    if (left.length > 0) this.idWaiters.set(id, left);
    else this.idWaiters.delete(id);
  }
}

/** The uid of the object a `<Kind>Created` event creates, for findCreation. */
export function createdUid(event: StoredEvent): string | undefined {
  if (!event.type.endsWith('Created')) return undefined;
  const data = event.data as { object?: { metadata?: { uid?: unknown } } } | null;
  const uid = data?.object?.metadata?.uid;
  return typeof uid === 'string' ? uid : undefined;
}
