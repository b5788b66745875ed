import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { DuplicateEventId } from '../duplicate-event-id';
import type { AppendResult, ExpectedRevision } from '../event-store.port';
import { checkExpectedRevision } from '../expected-revision';
import type { CommittedEvent } from './committed-tail';
import type { EventParams } from './rows';

interface PendingAppend {
  readonly stream: string;
  readonly rows: readonly EventParams[];
  readonly expected: ExpectedRevision;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

/** A small write (a checkpoint) that rides the next group commit instead of paying its own fsync. */
interface PendingSideWrite {
  readonly run: () => void;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { append: PendingAppend; result: AppendResult } | { append: PendingAppend; error: unknown };

/**
 * At most this many appends per transaction: one flush holds the event loop for its inserts
 * plus one fsync, so a burst is cut into transactions with the event loop free in between.
 */
export const MAX_BATCH_APPENDS = 500;
/** Rows per multi-row INSERT: fewer statement executions, under SQLite's 32766 parameters. */
const ROWS_PER_INSERT = 32;
const COLUMNS = 12;

/**
 * Group commit: appends queued during one tick are written in ONE transaction, hence one
 * fsync, on the next (setImmediate), at most MAX_BATCH_APPENDS per transaction.
 *
 * Fast path: the store is the only writer and keeps every stream's revision in memory, so
 * expected-revision conflicts are decided before touching SQLite and the accepted appends
 * are inserted with multi-row INSERTs, no savepoint. The only failure SQLite can still report
 * is a duplicate event id (the ids of the whole log are not kept in memory); then the batch
 * is rolled back and written again the slow way, one savepoint per append, so that append
 * alone is rejected. Nothing is resolved before COMMIT has returned, and the in-memory head
 * and revisions move only after it.
 */
export class GroupCommitWriter {
  private pending: PendingAppend[] = [];
  private pendingSide: PendingSideWrite[] = [];
  private scheduled = false;
  private readonly insertOne: StatementSync;
  private readonly insertMany: StatementSync;
  private readonly idExists: StatementSync;
  /** Prepared once: exec() would parse them again for every append of every batch. */
  private readonly begin: StatementSync;
  private readonly commit: StatementSync;
  private readonly savepoint: StatementSync;
  private readonly release: StatementSync;
  private readonly rollbackTo: StatementSync;

  constructor(
    private readonly db: DatabaseSync,
    /** Last revision of every stream, loaded at open so checks need no query. */
    private readonly revisions: Map<string, number>,
    private head: number,
    private readonly onCommit: (head: number, committed: readonly CommittedEvent[]) => void,
  ) {
    const insert = `INSERT INTO events (position, stream, revision, id, type, time, time_ms, actor, causation_id, correlation_id, schema_version, data) VALUES `;
    const tuple = `(${Array.from({ length: COLUMNS }, () => '?').join(', ')})`;
    this.insertOne = db.prepare(insert + tuple);
    this.insertMany = db.prepare(insert + Array.from({ length: ROWS_PER_INSERT }, () => tuple).join(', '));
    this.idExists = db.prepare('SELECT 1 AS found FROM events WHERE id = ?');
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
    this.savepoint = db.prepare('SAVEPOINT append');
    this.release = db.prepare('RELEASE append');
    this.rollbackTo = db.prepare('ROLLBACK TO append');
  }

  get headPosition(): number {
    return this.head;
  }

  enqueue(stream: string, rows: readonly EventParams[], expected: ExpectedRevision): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.pending.push({ stream, rows, expected, resolve, reject });
      this.schedule();
    });
  }

  /**
   * Runs `run` (one idempotent statement) inside the next group-commit transaction and
   * resolves once that COMMIT returned: as durable as an append, without a fsync of its own.
   */
  enqueueSideWrite(run: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pendingSide.push({ run, resolve, reject });
      this.schedule();
    });
  }

  /** Writes every queued append now; called by close(). */
  flush(): void {
    while (this.pending.length > 0 || this.pendingSide.length > 0) this.flushBatch();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flushBatch();
      if (this.pending.length > 0 || this.pendingSide.length > 0) this.schedule();
    });
  }

  private flushBatch(): void {
    const batch = this.pending.length <= MAX_BATCH_APPENDS ? this.pending : this.pending.slice(0, MAX_BATCH_APPENDS);
    this.pending = batch === this.pending ? [] : this.pending.slice(MAX_BATCH_APPENDS);
    const side = this.pendingSide;
    this.pendingSide = [];
    if (batch.length === 0 && side.length === 0) return;
    let written: Written;
    try {
      try {
        written = this.write(batch, side, false);
      } catch (error) {
        if (this.db.isTransaction) this.db.exec('ROLLBACK');
        if (!isUniqueIdViolation(error)) throw error;
        written = this.write(batch, side, true);
      }
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      for (const append of batch) append.reject(error);
      for (const write of side) write.reject(error);
      return;
    }
    for (const [stream, revision] of written.revisions) this.revisions.set(stream, revision);
    this.head = written.head;
    for (const o of written.outcomes) {
      if ('result' in o) o.append.resolve(o.result);
      else o.append.reject(o.error);
    }
    side.forEach((write, i) => (written.sideErrors[i] === undefined ? write.resolve() : write.reject(written.sideErrors[i])));
    this.onCommit(this.head, written.committed);
  }

  /**
   * One transaction for the batch. Without savepoints any SQLite error escapes (the caller
   * rolls back and retries with them); with savepoints a failing append is rolled back alone
   * and rejected, and the positions it would have taken go to the appends after it.
   */
  private write(batch: readonly PendingAppend[], side: readonly PendingSideWrite[], savepoints: boolean): Written {
    const revisions = new Map<string, number>();
    const outcomes: Outcome[] = [];
    const committed: CommittedEvent[] = [];
    let head = this.head;
    this.begin.run();
    for (const append of batch) {
      const current = revisions.has(append.stream) ? revisions.get(append.stream) : this.revisions.get(append.stream);
      try {
        checkExpectedRevision(append.stream, append.expected, current);
      } catch (error) {
        outcomes.push({ append, error });
        continue;
      }
      let revision = current ?? -1;
      const firstPosition = head + 1;
      const mark = committed.length;
      for (const params of append.rows) committed.push({ position: ++head, stream: append.stream, revision: ++revision, params });
      if (savepoints) {
        try {
          this.insertSavepointed(committed, mark);
        } catch (error) {
          committed.length = mark;
          head = firstPosition - 1;
          outcomes.push({ append, error: isUniqueIdViolation(error) ? new DuplicateEventId(append.stream, this.takenId(append)) : error });
          continue;
        }
      }
      revisions.set(append.stream, revision);
      outcomes.push({ append, result: { firstPosition, position: head, revision } });
    }
    if (!savepoints) this.insertAll(committed);
    // A failing statement is undone alone by SQLite (ABORT), so it fails only its own write.
    const sideErrors = side.map((write) => {
      try {
        write.run();
        return undefined;
      } catch (error) {
        return error;
      }
    });
    this.commit.run();
    return { revisions, outcomes, committed, head, sideErrors };
  }

  private insertAll(rows: readonly CommittedEvent[]): void {
    let i = 0;
    if (rows.length >= ROWS_PER_INSERT) {
      const params: (string | number | null)[] = new Array(ROWS_PER_INSERT * COLUMNS);
      for (; i + ROWS_PER_INSERT <= rows.length; i += ROWS_PER_INSERT) {
        for (let j = 0; j < ROWS_PER_INSERT; j++) fill(params, j * COLUMNS, rows[i + j]);
        this.insertMany.run(...params);
      }
    }
    const one: (string | number | null)[] = new Array(COLUMNS);
    for (; i < rows.length; i++) {
      fill(one, 0, rows[i]);
      this.insertOne.run(...one);
    }
  }

  private insertSavepointed(rows: readonly CommittedEvent[], from: number): void {
    this.savepoint.run();
    try {
      this.insertAll(rows.slice(from));
      this.release.run();
    } catch (error) {
      this.rollbackTo.run();
      this.release.run();
      throw error;
    }
  }

  /** SQLite does not name the offending value; find which of the append's ids is taken. */
  private takenId(append: PendingAppend): string {
    const ids = append.rows.map((r) => r[0]);
    return ids.find((id) => this.idExists.get(id) !== undefined) ?? ids.join(',');
  }
}

interface Written {
  readonly revisions: Map<string, number>;
  readonly outcomes: Outcome[];
  readonly committed: CommittedEvent[];
  readonly head: number;
  readonly sideErrors: unknown[];
}

function fill(params: (string | number | null)[], at: number, row: CommittedEvent): void {
  params[at] = row.position;
  params[at + 1] = row.stream;
  params[at + 2] = row.revision;
  const p = row.params;
  for (let k = 0; k < p.length; k++) params[at + 3 + k] = p[k];
}

// Duck-typed: node:sqlite errors come from another realm under jest, so instanceof fails.
function isUniqueIdViolation(error: unknown): boolean {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message.includes('UNIQUE constraint failed: events.id');
}
