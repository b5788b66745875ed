import { AsyncLocalStorage } from 'node:async_hooks';
import type { StoredEvent } from '@logbook/events';
import type { Subscription } from '../event-store.port';

/** What a catch-up subscription needs from its store. */
export interface CatchUpSource {
  /** Events with position > after, in order, at most `limit`. */
  readPage(after: number, limit: number): Promise<StoredEvent[]>;
  /** The position of the last committed event, known without I/O. */
  head(): number;
}

const insideHandler = new AsyncLocalStorage<CatchUpSubscription>();

/**
 * Delivers every event after a position, first the stored ones then live ones, by always
 * reading from the store after the last delivered position. "Live" is only a wake-up after
 * each commit, so catch-up and live share one code path: no hand-over buffer, hence no gap
 * and no duplicate at the switch, whatever is appended while catching up.
 */
export class CatchUpSubscription implements Subscription {
  private closed = false;
  private wake: (() => void) | undefined;
  private lastDelivered: number;
  /** Settles when delivery stops: resolves after close(), rejects with a handler's error. */
  readonly done: Promise<void>;

  constructor(
    private readonly source: CatchUpSource,
    after: number,
    private readonly handler: (event: StoredEvent) => void | Promise<void>,
    private readonly pageSize = 500,
  ) {
    this.lastDelivered = after;
    this.done = this.run();
    // A handler failure ends the subscription; callers that care await `done`.
    this.done.catch(() => undefined);
  }

  get position(): number {
    return this.lastDelivered;
  }

  /** Called by the store after every commit (and on its close). */
  notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.notify();
    // Closing from inside the handler must not wait for the loop that is waiting for it.
    if (insideHandler.getStore() === this) return;
    await this.done.catch(() => undefined);
  }

  private async run(): Promise<void> {
    // Let the caller keep the returned subscription before the first delivery.
    await Promise.resolve();
    while (!this.closed) {
      if (this.source.head() <= this.lastDelivered) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          // Re-check after registering: a commit between the check and here would be missed.
          if (this.closed || this.source.head() > this.lastDelivered) this.notify();
        });
        continue;
      }
      const page = await this.source.readPage(this.lastDelivered, this.pageSize);
      for (const event of page) {
        if (this.closed) return;
        await insideHandler.run(this, () => this.handler(event));
        this.lastDelivered = event.position;
      }
      if (page.length === 0) {
        // head() said there is more but nothing was readable: only possible once closed.
        if (this.closed) return;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
  }
}

/**
 * Starts a subscription and keeps it in `open` until it ends, so that a store's close() can end
 * every subscription still running. Shared by the adapters.
 */
export function openSubscription(
  open: Set<CatchUpSubscription>,
  source: CatchUpSource,
  after: number,
  handler: (event: StoredEvent) => void | Promise<void>,
): CatchUpSubscription {
  const sub = new CatchUpSubscription(source, after, handler);
  open.add(sub);
  void sub.done.finally(() => open.delete(sub)).catch(() => undefined);
  return sub;
}
