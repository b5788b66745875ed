import type { StoredEvent } from '@logbook/events';
import { fromParams, type EventParams } from './rows';

/** One committed event as the writer knows it: serialised, materialised on first read. */
export interface CommittedEvent {
  readonly position: number;
  readonly stream: string;
  readonly revision: number;
  readonly params: EventParams;
}

interface Entry extends CommittedEvent {
  event?: StoredEvent;
}

/**
 * The last `capacity` (at least) committed events, kept in memory so that subscriptions that
 * are caught up take live events from here instead of re-reading from SQLite the rows the
 * writer just committed. A reader further behind than the tail gets undefined and reads the
 * file. Positions are gapless, so the entry of position p sits at index p - first.
 *
 * Sharing: every subscriber of the same event gets the SAME object, built once from the
 * serialised row (so it never aliases the appender's objects, and reads exactly as a row read
 * from SQLite). The envelope and metadata are frozen; `data` is deep-frozen outside production
 * (NODE_ENV test/development), so a consumer mutating the log fails loudly in tests instead of
 * corrupting what the next subscriber sees. Consumers treat events as read-only (the projection
 * shares structure with them, see immutable-patch.ts), so production skips the deep walk.
 */
export class CommittedTail {
  private entries: Entry[] = [];
  /** Position of entries[0]; head + 1 while empty. */
  private first: number;

  constructor(
    head: number,
    private readonly capacity = 4096,
    private readonly deepFreeze = process.env.NODE_ENV === 'test' || process.env.NODE_ENV === 'development',
  ) {
    this.first = head + 1;
  }

  /** Called after each COMMIT with the events it made durable, in position order. */
  push(committed: readonly CommittedEvent[]): void {
    if (committed.length === 0) return;
    if (committed[0].position !== this.first + this.entries.length) {
      // Not contiguous with what we hold (cannot happen with one writer): start over from here.
      this.entries = [];
      this.first = committed[0].position;
    }
    for (const c of committed) this.entries.push(c);
    // Trim in chunks so the copy is amortised over `capacity` pushes.
    if (this.entries.length > 2 * this.capacity) {
      const drop = this.entries.length - this.capacity;
      this.entries = this.entries.slice(drop);
      this.first += drop;
    }
  }

  /**
   * Up to `limit` events with position > after, or undefined when some of them are no longer
   * (or not yet known to be) in memory and the caller must read the file.
   */
  read(after: number, limit: number): StoredEvent[] | undefined {
    const from = after + 1 - this.first;
    if (from < 0) return undefined;
    const to = Math.min(this.entries.length, from + limit);
    const page: StoredEvent[] = [];
    for (let i = from; i < to; i++) page.push(this.materialise(this.entries[i]));
    return page;
  }

  private materialise(entry: Entry): StoredEvent {
    if (entry.event === undefined) {
      const event = fromParams(entry.position, entry.stream, entry.revision, entry.params);
      if (this.deepFreeze) deepFreeze(event.data);
      Object.freeze(event.metadata);
      entry.event = Object.freeze(event);
    }
    return entry.event;
  }
}

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
}
