import type { StoredEvent } from '@logbook/events';
import { fromParams, type EventParams } from './rows';
import { PositionWindow } from '../subscription/position-window';

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
 * file. Positions are gapless (see PositionWindow).
 *
 * Sharing: every subscriber of the same event gets the SAME object, built once from the
 * serialised row (so it never aliases the appender's objects, and reads exactly as a row read
 * from SQLite). The envelope and metadata are frozen; `data` is deep-frozen outside production
 * (NODE_ENV test/development), so a consumer mutating the log fails loudly in tests instead of
 * corrupting what the next subscriber sees. Consumers treat events as read-only (the projection
 * shares structure with them, see immutable-patch.ts), so production skips the deep walk.
 */
export class CommittedTail {
  private readonly window: PositionWindow<Entry>;

  constructor(
    head: number,
    capacity = 4096,
    private readonly deepFreeze = process.env.NODE_ENV === 'test' || process.env.NODE_ENV === 'development',
  ) {
    this.window = new PositionWindow<Entry>(head + 1, capacity);
  }

  /** Called after each COMMIT with the events it made durable, in position order. */
  push(committed: readonly CommittedEvent[]): void {
    this.window.push(committed);
  }

  /**
   * Up to `limit` events with position > after, or undefined when some of them are no longer
   * (or not yet known to be) in memory and the caller must read the file.
   */
  read(after: number, limit: number): StoredEvent[] | undefined {
    return this.window.read(after, limit)?.map((entry) => this.materialise(entry));
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
