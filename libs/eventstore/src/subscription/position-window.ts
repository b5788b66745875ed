/**
 * The newest `capacity` (at least) items of a gapless position sequence, kept in memory so that
 * caught-up subscribers read live events from here instead of from the store. The item of
 * position p sits at index p - first. Trimmed in chunks, so the copy is amortised over
 * `capacity` pushes.
 */
export class PositionWindow<T extends { readonly position: number }> {
  private entries: T[] = [];
  /** Position of entries[0]; the next expected position while empty. */
  private first: number;

  constructor(
    next = 1,
    private readonly capacity = 4096,
  ) {
    this.first = next;
  }

  /** Items in position order; one that is not contiguous with what is held (cannot happen with one writer) starts over. */
  push(items: readonly T[]): void {
    if (items.length === 0) return;
    if (items[0].position !== this.first + this.entries.length) {
      this.entries = [];
      this.first = items[0].position;
    }
    for (const item of items) this.entries.push(item);
    if (this.entries.length > 2 * this.capacity) {
      const drop = this.entries.length - this.capacity;
      this.entries = this.entries.slice(drop);
      this.first += drop;
    }
  }

  /**
   * Up to `limit` items with position > after ([] when none is newer), or undefined when some
   * of them are no longer held and the caller must read the store.
   */
  read(after: number, limit: number): T[] | undefined {
    const from = after + 1 - this.first;
    if (from < 0) return undefined;
    return this.entries.slice(from, from + limit);
  }

  /** The position after the newest item held. */
  get next(): number {
    return this.first + this.entries.length;
  }
}
