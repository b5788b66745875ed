import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { NewEvent, StoredEvent } from '@logbook/events';
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
import { assertAppendable } from '../expected-revision';
import { CatchUpSubscription, openSubscription } from '../subscription/catch-up-subscription';
import { CommittedTail } from './committed-tail';
import { GroupCommitWriter } from './group-commit';
import { HistoryQueries } from './history-queries';
import { EVENT_COLUMNS, fromRow, toParams, type EventRow } from './rows';
import { migrate } from './schema';
import { SnapshotTable } from './snapshot-table';

export interface SqliteEventStoreOptions {
  /**
   * Keep only this many newest snapshots. Default: keep all, because time travel starts from
   * the newest snapshot at or before the asked position, and old ones make old points fast.
   */
  readonly keepSnapshots?: number;
}

/** `<dir>/events.db` for a directory, the path itself when it names a `.db`/`.sqlite` file. */
export function databaseFile(location: string): string {
  return /\.(db|sqlite3?)$/.test(location) || location === ':memory:' ? location : join(location, 'events.db');
}

/**
 * The embedded log: one SQLite file (node:sqlite, no native build), written by group commit.
 * One process owns the file: revisions and the head are cached in memory, and a second
 * writer would fail on the primary key rather than fork the log.
 */
export class SqliteEventStore implements EventStore, SnapshotStore, CheckpointStore {
  readonly file: string;
  private readonly db: DatabaseSync;
  private readonly writer: GroupCommitWriter;
  private readonly subscriptions = new Set<CatchUpSubscription>();
  /** Recently committed events, for subscriptions that are caught up (see committed-tail.ts). */
  private readonly tail: CommittedTail;
  private readonly sql: Record<'readAll' | 'readStream' | 'positionAt' | 'timeAt' | 'getCheckpoint' | 'setCheckpoint', StatementSync>;
  private readonly history: HistoryQueries;
  private readonly snapshots: SnapshotTable;
  private closed = false;

  constructor(
    location: string,
    private readonly options: SqliteEventStoreOptions = {},
  ) {
    this.file = databaseFile(location);
    if (this.file !== ':memory:') mkdirSync(dirname(this.file), { recursive: true });
    this.db = new DatabaseSync(this.file);
    migrate(this.db);
    const revisions = new Map<string, number>();
    for (const r of this.db.prepare('SELECT stream, MAX(revision) AS revision FROM events GROUP BY stream').all()) {
      revisions.set(r.stream as string, r.revision as number);
    }
    const head = (this.db.prepare('SELECT COALESCE(MAX(position), 0) AS head FROM events').get()!.head as number);
    this.tail = new CommittedTail(head);
    this.writer = new GroupCommitWriter(this.db, revisions, head, (_, committed) => {
      this.tail.push(committed);
      for (const s of this.subscriptions) s.notify();
    });
    this.sql = {
      readAll: this.db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE position > ? AND position <= ? ORDER BY position LIMIT ?`),
      readStream: this.db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision`),
      positionAt: this.db.prepare('SELECT COALESCE(MAX(position), 0) AS position FROM events WHERE time_ms <= ?'),
      timeAt: this.db.prepare('SELECT time FROM events WHERE position = ?'),
      getCheckpoint: this.db.prepare('SELECT value FROM checkpoints WHERE name = ?'),
      setCheckpoint: this.db.prepare('INSERT INTO checkpoints (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value'),
    };
    for (const read of [this.sql.readAll, this.sql.readStream]) read.setReturnArrays(true);
    this.history = new HistoryQueries(this.db);
    this.snapshots = new SnapshotTable(this.db);
  }

  static async open(location: string, options?: SqliteEventStoreOptions): Promise<SqliteEventStore> {
    return new SqliteEventStore(location, options);
  }

  append(stream: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    try {
      this.assertOpen();
      assertAppendable(stream, events);
      // No early revision check here: appends apply in call order, and one queued before
      // this may be what makes `expected` right. The writer checks within its batch.
      return this.writer.enqueue(stream, events.map(toParams), expected);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async readStream(stream: string, fromRevision = 0): Promise<StoredEvent[]> {
    this.assertOpen();
    return (this.sql.readStream.all(stream, Math.max(0, fromRevision)) as unknown as EventRow[]).map(fromRow);
  }

  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    this.assertOpen();
    const { after = 0, to = Number.MAX_SAFE_INTEGER, limit = 1000 } = options;
    return (this.sql.readAll.all(after, to, limit) as unknown as EventRow[]).map(fromRow);
  }

  subscribeAll(after: number, handler: (event: StoredEvent) => void | Promise<void>): Subscription {
    this.assertOpen();
    return openSubscription(
      this.subscriptions,
      {
        head: () => (this.closed ? 0 : this.writer.headPosition),
        // Live events come from memory; only a subscriber behind the tail reads the file.
        readPage: async (from, limit) => this.tail.read(from, limit) ?? this.readAll({ after: from, limit }),
      },
      after,
      handler,
    );
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    return this.writer.headPosition;
  }

  async positionAt(time: Date): Promise<number> {
    this.assertOpen();
    return this.sql.positionAt.get(time.getTime())!.position as number;
  }

  async timeAt(position: number): Promise<string | undefined> {
    this.assertOpen();
    return this.sql.timeAt.get(position)?.time as string | undefined;
  }

  async readBackward(filter: EventFilter = {}): Promise<StoredEvent[]> {
    this.assertOpen();
    return this.history.readBackward(filter);
  }

  async readEvent(id: string): Promise<StoredEvent | undefined> {
    this.assertOpen();
    return this.history.readEvent(id);
  }

  async findCreation(uid: string): Promise<StoredEvent | undefined> {
    this.assertOpen();
    return this.history.findCreation(uid);
  }

  async saveSnapshot(position: number, entries: readonly SnapshotEntry[]): Promise<void> {
    this.assertOpen();
    await this.snapshots.save(position, entries, () => this.assertOpen());
    if (this.options.keepSnapshots !== undefined) this.snapshots.prune(this.options.keepSnapshots);
  }

  async latestSnapshotPosition(atOrBefore = Number.MAX_SAFE_INTEGER): Promise<number | undefined> {
    this.assertOpen();
    return this.snapshots.latestPosition(atOrBefore);
  }

  async readSnapshot(position: number, scope?: string): Promise<SnapshotEntry[]> {
    this.assertOpen();
    return this.snapshots.read(position, scope);
  }

  async getCheckpoint(name: string): Promise<number | undefined> {
    this.assertOpen();
    return this.sql.getCheckpoint.get(name)?.value as number | undefined;
  }

  async setCheckpoint(name: string, value: number): Promise<void> {
    this.assertOpen();
    // Rides the group commit: the relay checkpoints after every publish, and a transaction of
    // its own cost a second fsync per write on the API's hot path.
    const setCheckpoint = this.sql.setCheckpoint;
    await this.writer.enqueueSideWrite(() => setCheckpoint.run(name, value));
  }

  /** The durability settings of the writing connection, for diagnostics (see schema.ts). */
  durability(): { journalMode: string; synchronous: 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA' } {
    this.assertOpen();
    const journalMode = this.db.prepare('PRAGMA journal_mode').get()!.journal_mode as string;
    const level = this.db.prepare('PRAGMA synchronous').get()!.synchronous as number;
    return { journalMode, synchronous: (['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const)[level] };
  }

  /** Commits every queued append, stops subscriptions, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.writer.flush();
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreClosed();
  }
}
