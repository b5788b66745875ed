import type { Position } from '@eventstore/db-client';

/** Orders EventStoreDB positions as `$all` does: by commit position, then prepare position. */
export function comparePositions(a: Position, b: Position): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

/**
 * The map between the port's positions (1, 2, 3, … gapless: resourceVersions, watch and
 * checkpoint positions) and EventStoreDB's `$all` positions (byte offsets in its transaction
 * file, sparse and shared by other logs). Position p is the p-th event of the log in `$all`
 * order, so every process that reads `$all` numbers the events the same way; the index is
 * built by following `$all` (log-follower.ts) and lives in memory, about 100 bytes per event.
 */
export class PositionIndex {
  private commits = new BigUint64Array(1024);
  private prepares = new BigUint64Array(1024);
  private times = new Float64Array(1024);
  private count = 0;
  private readonly byId = new Map<string, number>();
  private readonly creations = new Map<string, number>();

  /** The position of the last indexed event, 0 when empty. */
  get head(): number {
    return this.count;
  }

  /** The `$all` position of the last indexed event, undefined when empty. */
  get lastEsdbPosition(): Position | undefined {
    return this.count === 0 ? undefined : this.esdbPosition(this.count);
  }

  /**
   * Numbers the next event of the log. Events must come in `$all` order; an event at or before
   * the last indexed one (a resubscription delivering it again) is ignored: returns undefined.
   */
  add(id: string, at: Position, timeMs: number, createdUid?: string): number | undefined {
    const last = this.lastEsdbPosition;
    if (last && comparePositions(at, last) <= 0) return undefined;
    if (this.count === this.commits.length) this.grow();
    this.commits[this.count] = at.commit;
    this.prepares[this.count] = at.prepare;
    this.times[this.count] = timeMs;
    this.count += 1;
    // Ids are unique within a log (the adapter checks before appending); should two processes
    // race one in, the first keeps the id and the second is still counted.
    if (!this.byId.has(id)) this.byId.set(id, this.count);
    if (createdUid !== undefined && !this.creations.has(createdUid)) this.creations.set(createdUid, this.count);
    return this.count;
  }

  positionOf(id: string): number | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** The position of the first `<Kind>Created` event of the object with this uid. */
  creationOf(uid: string): number | undefined {
    return this.creations.get(uid);
  }

  /** The `$all` position of the event at `position` (1 ≤ position ≤ head). */
  esdbPosition(position: number): Position {
    if (!Number.isInteger(position) || position < 1 || position > this.count) {
      throw new RangeError(`position ${position} is not in the log (1..${this.count})`);
    }
    return { commit: this.commits[position - 1], prepare: this.prepares[position - 1] };
  }

  /**
   * The last position whose event time is <= `timeMs`; 0 if none. Writers' clocks may disagree
   * a little, so this is the highest such position, not a binary search.
   */
  positionAtTime(timeMs: number): number {
    for (let i = this.count - 1; i >= 0; i--) if (this.times[i] <= timeMs) return i + 1;
    return 0;
  }

  private grow(): void {
    const size = this.commits.length * 2;
    const commits = new BigUint64Array(size);
    const prepares = new BigUint64Array(size);
    const times = new Float64Array(size);
    commits.set(this.commits);
    prepares.set(this.prepares);
    times.set(this.times);
    [this.commits, this.prepares, this.times] = [commits, prepares, times];
  }
}
