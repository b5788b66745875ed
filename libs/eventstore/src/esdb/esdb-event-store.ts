import { EventStoreDBClient, FORWARDS, START, StreamNotFoundError, streamNameFilter } from '@eventstore/db-client';
import type { NewEvent, StoredEvent } from '@logbook/events';
import { DuplicateEventId } from '../duplicate-event-id';
import { EventStoreClosed, EventStoreUnavailable } from '../errors';
import type {
  AppendResult,
  CheckpointStore,
  EventFilter,
  EventStore,
  ExpectedRevision,
  ReadAllOptions,
  SnapshotEntry,
  SnapshotStore,
  Subscription,
} from '../event-store.port';
import { assertAppendable } from '../expected-revision';
import { type CatchUpSubscription, openSubscription } from '../subscription/catch-up-subscription';
import { toEventData, fromRecorded, logbookId } from './event-encoding';
import { toEsdbExpected, toPortError } from './esdb-errors';
import { parseEsdbUrl, type EsdbLocation } from './esdb-url';
import { LogFollower } from './log-follower';
import { comparePositions, PositionIndex } from './position-index';
import { PositionWindow } from '../subscription/position-window';
import { EsdbSideStreams } from './side-streams';
import { StreamNames } from './stream-names';

export interface EsdbEventStoreOptions {
  /** How long connect() waits to have indexed the existing log. Default 60 s. */
  readonly connectTimeoutMs?: number;
  /** How long an append waits to see its own events on `$all`. Default 30 s. */
  readonly seenTimeoutMs?: number;
  /** Keep only this many newest snapshots (default: all, as the SQLite store). */
  readonly keepSnapshots?: number;
  /** Where a dropped `$all` subscription is reported (it resubscribes by itself). Default: console.error. */
  readonly onError?: (error: unknown) => void;
}

/** Events of a history read scanned per round trip, newest window first. */
const HISTORY_WINDOW = 1000;

/**
 * The log on EventStoreDB (or KurrentDB): one stream per object (`<prefix>/<Kind>/<ns>/<name>`)
 * appended with the port's expected revision, and the port's gapless positions numbered from
 * `$all` (position-index.ts). Several processes may append to the same log: EventStoreDB
 * serialises them per stream by expected revision, and each process sees the others'
 * appends through its `$all` subscription. See docs/architecture.md "EventStoreDB adapter".
 */
export class EsdbEventStore implements EventStore, SnapshotStore, CheckpointStore {
  private readonly index = new PositionIndex();
  private readonly recent = new PositionWindow<StoredEvent>();
  private readonly follower: LogFollower;
  private readonly side: EsdbSideStreams;
  private readonly subscriptions = new Set<CatchUpSubscription>();
  /** Ids of appends in flight from this process, so two of them cannot both pass the id check. */
  private readonly pendingIds = new Set<string>();
  /** The tail of the appends queued per stream: this process applies a stream's appends in call order. */
  private readonly streamTails = new Map<string, Promise<unknown>>();
  private closed = false;

  private constructor(
    private readonly client: EventStoreDBClient,
    private readonly names: StreamNames,
    private readonly options: EsdbEventStoreOptions,
  ) {
    const onError = options.onError ?? ((error: unknown) => console.error('esdb event store:', error));
    this.follower = new LogFollower(client, names, this.index, this.recent, () => this.wakeSubscriptions(), onError);
    this.side = new EsdbSideStreams(client, names, options.keepSnapshots);
  }

  /** Connects and indexes the existing log; rejects with EventStoreUnavailable when that takes too long. */
  static async connect(location: EsdbLocation | string, options: EsdbEventStoreOptions = {}): Promise<EsdbEventStore> {
    const { connectionString, prefix } = typeof location === 'string' ? parseEsdbUrl(location) : location;
    const store = new EsdbEventStore(EventStoreDBClient.connectionString(connectionString), new StreamNames(prefix), options);
    store.follower.start();
    const timeoutMs = options.connectTimeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new EventStoreUnavailable(
              `EventStoreDB at ${connectionString} did not deliver the log within ${timeoutMs} ms: is it running (and 23.10 or newer)? ` +
                'For a local one: docker run -p 2113:2113 -e EVENTSTORE_INSECURE=true docker.eventstore.com/eventstore/eventstore:24.10',
            ),
          ),
        timeoutMs,
      );
    });
    try {
      await Promise.race([store.follower.ready, timedOut]);
    } catch (error) {
      await store.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return store;
  }

  append(stream: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    try {
      this.assertOpen();
      assertAppendable(stream, events);
      for (const e of events) if (this.index.has(e.id) || this.pendingIds.has(e.id)) throw new DuplicateEventId(stream, e.id);
    } catch (error) {
      return Promise.reject(error);
    }
    for (const e of events) this.pendingIds.add(e.id);
    // In call order per stream, as the embedded store: an append queued before this one may be
    // what makes `expected` right, and concurrent gRPC calls could reach the server reordered.
    const previous = this.streamTails.get(stream) ?? Promise.resolve();
    const result = previous.then(() => this.appendNow(stream, events, expected));
    const tail = result.catch(() => undefined);
    this.streamTails.set(stream, tail);
    return result.finally(() => {
      for (const e of events) this.pendingIds.delete(e.id);
      if (this.streamTails.get(stream) === tail) this.streamTails.delete(stream);
    });
  }

  private async appendNow(stream: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    this.assertOpen();
    let revision: bigint;
    try {
      const written = await this.client.appendToStream(this.names.object(stream), events.map(toEventData), {
        expectedRevision: toEsdbExpected(expected),
      });
      revision = written.nextExpectedRevision;
    } catch (error) {
      throw toPortError(error, { operation: `append to ${stream}`, stream, expected });
    }
    // The port's positions are $all's order numbered by the follower: wait until it has seen ours.
    const seen = this.options.seenTimeoutMs ?? 30_000;
    const [firstPosition, position] = await Promise.all([
      this.follower.positionOf(events[0].id, seen),
      this.follower.positionOf(events[events.length - 1].id, seen),
    ]);
    return { firstPosition, position, revision: Number(revision) };
  }

  async readStream(stream: string, fromRevision = 0): Promise<StoredEvent[]> {
    this.assertOpen();
    const out: StoredEvent[] = [];
    try {
      const reads = this.client.readStream(this.names.object(stream), { fromRevision: BigInt(Math.max(0, fromRevision)), direction: FORWARDS });
      for await (const resolved of reads) {
        const recorded = resolved.event;
        const id = recorded && logbookId(recorded);
        if (!recorded || id === undefined) continue;
        // Appended by another process a moment ago: numbered once the follower has seen it.
        out.push(fromRecorded(recorded, stream, await this.follower.positionOf(id, this.options.seenTimeoutMs ?? 30_000)));
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw toPortError(error, { operation: `read ${stream}`, stream });
    }
    return out;
  }

  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    this.assertOpen();
    const { after = 0, to = Number.MAX_SAFE_INTEGER, limit = 1000 } = options;
    return this.readRange(Math.max(0, after), Math.min(to, after + limit, this.index.head));
  }

  subscribeAll(after: number, handler: (event: StoredEvent) => void | Promise<void>): Subscription {
    this.assertOpen();
    return openSubscription(
      this.subscriptions,
      {
        head: () => (this.closed ? 0 : this.index.head),
        readPage: (from, limit) => this.readRange(from, Math.min(from + limit, this.index.head)),
      },
      after,
      handler,
    );
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    return this.index.head;
  }

  async positionAt(time: Date): Promise<number> {
    this.assertOpen();
    return this.index.positionAtTime(time.getTime());
  }

  async timeAt(position: number): Promise<string | undefined> {
    this.assertOpen();
    if (!Number.isInteger(position) || position < 1 || position > this.index.head) return undefined;
    return (await this.readRange(position - 1, position))[0]?.metadata.time;
  }

  /** Newest first, by reading `$all` backwards a window at a time and filtering here. */
  async readBackward(filter: EventFilter = {}): Promise<StoredEvent[]> {
    this.assertOpen();
    const { before = Number.MAX_SAFE_INTEGER, after = 0, actor, streamPrefix, types, limit = 1000 } = filter;
    if (types && types.length === 0) return [];
    const matches = (e: StoredEvent) =>
      (actor === undefined || e.metadata.actor === actor) &&
      (!streamPrefix || e.stream.startsWith(streamPrefix)) &&
      (types === undefined || types.includes(e.type));
    const out: StoredEvent[] = [];
    for (let hi = Math.min(before - 1, this.index.head); hi > after && out.length < limit; ) {
      const lo = Math.max(after, hi - HISTORY_WINDOW);
      const page = await this.readRange(lo, hi);
      for (let i = page.length - 1; i >= 0 && out.length < limit; i--) if (matches(page[i])) out.push(page[i]);
      hi = lo;
    }
    return out;
  }

  async readEvent(id: string): Promise<StoredEvent | undefined> {
    this.assertOpen();
    const position = this.index.positionOf(id);
    return position === undefined ? undefined : (await this.readRange(position - 1, position))[0];
  }

  async findCreation(uid: string): Promise<StoredEvent | undefined> {
    this.assertOpen();
    const position = this.index.creationOf(uid);
    return position === undefined ? undefined : (await this.readRange(position - 1, position))[0];
  }

  async saveSnapshot(position: number, entries: readonly SnapshotEntry[]): Promise<void> {
    this.assertOpen();
    await this.side.saveSnapshot(position, entries);
  }

  async latestSnapshotPosition(atOrBefore?: number): Promise<number | undefined> {
    this.assertOpen();
    return this.side.latestSnapshotPosition(atOrBefore);
  }

  async readSnapshot(position: number, scope?: string): Promise<SnapshotEntry[]> {
    this.assertOpen();
    return this.side.readSnapshot(position, scope);
  }

  async getCheckpoint(name: string): Promise<number | undefined> {
    this.assertOpen();
    return this.side.getCheckpoint(name);
  }

  async setCheckpoint(name: string, value: number): Promise<void> {
    this.assertOpen();
    await this.side.setCheckpoint(name, value);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    await this.follower.stop();
    await this.client.dispose();
  }

  /**
   * Events after+1..last (all already numbered), from memory when recent, else by a `$all`
   * subscription filtered on the log's prefix (the v6 client's readAll has no server-side
   * filter) from the position of `after`, stopped once `last` is read.
   */
  private async readRange(after: number, last: number): Promise<StoredEvent[]> {
    if (last <= after) return [];
    const recent = this.recent.read(after, last - after);
    if (recent && recent.length === last - after) return recent;
    const from = after === 0 ? undefined : this.index.esdbPosition(after);
    const reads = this.client.subscribeToAll({ fromPosition: from ?? START, filter: streamNameFilter({ prefixes: [this.names.logPrefix] }) });
    const deadline = setTimeout(
      () => reads.destroy(new EventStoreUnavailable(`reading positions ${after + 1}..${last} from $all took over 30 s; is EventStoreDB reachable?`)),
      30_000,
    );
    const out: StoredEvent[] = [];
    try {
      for await (const resolved of reads) {
        const recorded = resolved.event;
        if (!recorded || (from && comparePositions(recorded.position, from) <= 0)) continue;
        const stream = this.names.fromObject(recorded.streamId);
        if (stream === undefined || logbookId(recorded) === undefined) continue;
        // Numbered by counting, exactly as the follower numbers them.
        out.push(fromRecorded(recorded, stream, after + out.length + 1));
        if (after + out.length >= last) break;
      }
    } catch (error) {
      throw toPortError(error, { operation: `read positions ${after + 1}..${last}` });
    } finally {
      clearTimeout(deadline);
      await reads.unsubscribe().catch(() => undefined);
    }
    return out;
  }

  private wakeSubscriptions(): void {
    for (const s of this.subscriptions) s.notify();
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreClosed();
  }
}
