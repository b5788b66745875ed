import type { NewEvent, StoredEvent } from '@logbook/events';
import { DuplicateEventId } from '../duplicate-event-id';
import { EventStoreClosed } from '../errors';
import type {
  AppendResult,
  CheckpointStore,
  EventStore,
  ExpectedRevision,
  EventFilter,
  ReadAllOptions,
  SnapshotEntry,
  SnapshotStore,
  Subscription,
} from '../event-store.port';
import { inScope } from '../event-store.port';
import { checkExpectedRevision, assertAppendable } from '../expected-revision';
import { CatchUpSubscription, openSubscription } from '../subscription/catch-up-subscription';
import { positionAtTime } from '../time';

/**
 * The log held in memory, for unit tests and throw-away runs: same semantics as the durable
 * adapters (it passes the same contract suite) but nothing survives the process.
 * Data is copied through JSON on the way in and out, as a real store would serialise it, so a
 * caller mutating an event it handed over or got back cannot change the log.
 */
export class InMemoryEventStore implements EventStore, SnapshotStore, CheckpointStore {
  private readonly events: StoredEvent[] = [];
  private readonly revisions = new Map<string, number>();
  private readonly ids = new Set<string>();
  private readonly streamPositions = new Map<string, number[]>();
  /** Each snapshot's entries sorted by stream. */
  private readonly snapshots = new Map<number, readonly SnapshotEntry[]>();
  private readonly checkpoints = new Map<string, number>();
  private readonly subscriptions = new Set<CatchUpSubscription>();
  private closed = false;

  async append(stream: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    this.assertOpen();
    assertAppendable(stream, events);
    const current = this.revisions.get(stream);
    checkExpectedRevision(stream, expected, current);
    for (const e of events) if (this.ids.has(e.id)) throw new DuplicateEventId(stream, e.id);
    // Serialise everything before touching the log, so a bad event appends nothing.
    const copies = events.map((e) => JSON.parse(JSON.stringify(e)) as NewEvent);
    const positions = this.streamPositions.get(stream) ?? [];
    let revision = current ?? -1;
    const firstPosition = this.events.length + 1;
    for (const e of copies) {
      revision += 1;
      const stored: StoredEvent = { ...e, position: this.events.length + 1, stream, revision };
      this.events.push(stored);
      this.ids.add(stored.id);
      positions.push(stored.position);
    }
    this.streamPositions.set(stream, positions);
    this.revisions.set(stream, revision);
    for (const s of this.subscriptions) s.notify();
    return { firstPosition, position: this.events.length, revision };
  }

  async readStream(stream: string, fromRevision = 0): Promise<StoredEvent[]> {
    this.assertOpen();
    const positions = this.streamPositions.get(stream) ?? [];
    return positions.slice(Math.max(0, fromRevision)).map((p) => copy(this.events[p - 1]));
  }

  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    this.assertOpen();
    const after = Math.max(0, options.after ?? 0);
    const to = Math.min(options.to ?? Infinity, this.events.length);
    const limit = options.limit ?? 1000;
    const end = Math.min(to, after + limit);
    return after >= end ? [] : this.events.slice(after, end).map(copy);
  }

  subscribeAll(after: number, handler: (event: StoredEvent) => void | Promise<void>): Subscription {
    this.assertOpen();
    return openSubscription(
      this.subscriptions,
      {
        head: () => (this.closed ? 0 : this.events.length),
        readPage: (from, limit) => this.readAll({ after: from, limit }),
      },
      after,
      handler,
    );
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    return this.events.length;
  }

  async positionAt(time: Date): Promise<number> {
    this.assertOpen();
    return positionAtTime(this.events, time);
  }

  async timeAt(position: number): Promise<string | undefined> {
    this.assertOpen();
    return this.events[position - 1]?.metadata.time;
  }

  async readBackward(filter: EventFilter = {}): Promise<StoredEvent[]> {
    this.assertOpen();
    const { before = Infinity, after = 0, actor, streamPrefix, types, limit = 1000 } = filter;
    const out: StoredEvent[] = [];
    for (let i = Math.min(this.events.length, before - 1) - 1; i >= 0 && out.length < limit; i--) {
      const e = this.events[i];
      if (e.position <= after) break;
      if (actor !== undefined && e.metadata.actor !== actor) continue;
      if (streamPrefix !== undefined && !e.stream.startsWith(streamPrefix)) continue;
      if (types !== undefined && !types.includes(e.type)) continue;
      out.push(copy(e));
    }
    return out;
  }

  async readEvent(id: string): Promise<StoredEvent | undefined> {
    this.assertOpen();
    const e = this.ids.has(id) ? this.events.find((x) => x.id === id) : undefined;
    return e && copy(e);
  }

  async findCreation(uid: string): Promise<StoredEvent | undefined> {
    this.assertOpen();
    const e = this.events.find((x) => x.type.endsWith('Created') && (x.data as any)?.object?.metadata?.uid === uid);
    return e && copy(e);
  }

  async saveSnapshot(position: number, entries: readonly SnapshotEntry[]): Promise<void> {
    this.assertOpen();
    const sorted = entries.map(([stream, object]) => [stream, object] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    this.snapshots.set(position, sorted);
  }

  async latestSnapshotPosition(atOrBefore = Infinity): Promise<number | undefined> {
    this.assertOpen();
    let best: number | undefined;
    for (const p of this.snapshots.keys()) if (p <= atOrBefore && (best === undefined || p > best)) best = p;
    return best;
  }

  async readSnapshot(position: number, scope?: string): Promise<SnapshotEntry[]> {
    this.assertOpen();
    return (this.snapshots.get(position) ?? []).filter(([stream]) => inScope(stream, scope));
  }

  async getCheckpoint(name: string): Promise<number | undefined> {
    this.assertOpen();
    return this.checkpoints.get(name);
  }

  async setCheckpoint(name: string, value: number): Promise<void> {
    this.assertOpen();
    this.checkpoints.set(name, value);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreClosed();
  }
}

function copy(event: StoredEvent): StoredEvent {
  return JSON.parse(JSON.stringify(event)) as StoredEvent;
}
