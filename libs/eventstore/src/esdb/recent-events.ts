import type { StoredEvent } from '@logbook/events';

/**
 * The last `capacity` (at least) events the log follower received, so that subscribers that
 * are caught up get live events from memory instead of reading `$all` again. Every subscriber
 * gets the same frozen object; consumers treat events as read-only.
 */
export class RecentEvents {
  private entries: StoredEvent[] = [];
  /** Position of entries[0]. */
  private first = 1;

  constructor(private readonly capacity = 4096) {}

  /** Events arrive in position order without gaps; a gap (cannot happen) starts over. */
  push(event: StoredEvent): void {
    if (event.position !== this.first + this.entries.length) {
      this.entries = [];
      this.first = event.position;
    }
    Object.freeze(event.metadata);
    this.entries.push(Object.freeze(event));
    if (this.entries.length > 2 * this.capacity) {
      const drop = this.entries.length - this.capacity;
      this.entries = this.entries.slice(drop);
      this.first += drop;
    }
  }

  /** Up to `limit` events with position > after, or undefined when some are not held. */
  read(after: number, limit: number): StoredEvent[] | undefined {
    const from = after + 1 - this.first;
    if (from < 0 || from > this.entries.length) return undefined;
    return this.entries.slice(from, from + limit);
  }
}
