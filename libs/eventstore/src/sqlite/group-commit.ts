import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { DuplicateEventId } from '../duplicate-event-id';
import type { AppendResult, ExpectedRevision } from '../event-store.port';
import { checkExpectedRevision } from '../expected-revision';
import type { EventParams } from './rows';

interface PendingAppend {
  readonly stream: string;
  readonly rows: readonly EventParams[];
  readonly expected: ExpectedRevision;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { append: PendingAppend; result: AppendResult } | { append: PendingAppend; error: unknown };

/**
 * Group commit: appends queued during one tick are written in ONE transaction, hence one
 * fsync, on the next (setImmediate). Each append is checked against the stream revisions as
 * left by the appends before it in the batch and runs inside its own savepoint, so a conflict
 * or a duplicate id rejects that append alone while the others commit. Nothing is resolved
 * before COMMIT has returned, and the in-memory head and revisions move only after it.
 */
export class GroupCommitWriter {
  private pending: PendingAppend[] = [];
  private scheduled = false;
  private readonly insert: StatementSync;
  private readonly idExists: StatementSync;
  /** Prepared once: exec() would parse them again for every append of every batch. */
  private readonly savepoint: StatementSync;
  private readonly release: StatementSync;
  private readonly rollbackTo: StatementSync;

  constructor(
    private readonly db: DatabaseSync,
    /** Last revision of every stream, loaded at open so checks need no query. */
    private readonly revisions: Map<string, number>,
    private head: number,
    private readonly onCommit: (head: number) => void,
  ) {
    this.insert = db.prepare(
      `INSERT INTO events (position, stream, revision, id, type, time, time_ms, actor, causation_id, correlation_id, schema_version, data)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.idExists = db.prepare('SELECT 1 AS found FROM events WHERE id = ?');
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
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Writes every queued append now; also called by close(). */
  flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const revisions = new Map<string, number>();
    let head = this.head;
    const outcomes: Outcome[] = [];
    try {
      this.db.exec('BEGIN IMMEDIATE');
      for (const append of batch) {
        try {
          const current = revisions.has(append.stream) ? revisions.get(append.stream) : this.revisions.get(append.stream);
          checkExpectedRevision(append.stream, append.expected, current);
          const result = this.write(append, head, current ?? -1);
          revisions.set(append.stream, result.revision);
          head = result.position;
          outcomes.push({ append, result });
        } catch (error) {
          outcomes.push({ append, error });
        }
      }
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      for (const append of batch) append.reject(error);
      return;
    }
    for (const [stream, revision] of revisions) this.revisions.set(stream, revision);
    this.head = head;
    for (const o of outcomes) {
      if ('result' in o) o.append.resolve(o.result);
      else o.append.reject(o.error);
    }
    this.onCommit(head);
  }

  private write(append: PendingAppend, head: number, revision: number): AppendResult {
    this.savepoint.run();
    let position = head;
    try {
      for (const row of append.rows) {
        this.insert.run(++position, append.stream, ++revision, ...row);
      }
      this.release.run();
    } catch (error) {
      this.rollbackTo.run();
      this.release.run();
      throw isUniqueIdViolation(error) ? new DuplicateEventId(append.stream, this.takenId(append)) : error;
    }
    return { firstPosition: head + 1, position, revision };
  }

  /** SQLite does not name the offending value; find which of the append's ids is taken. */
  private takenId(append: PendingAppend): string {
    const ids = append.rows.map((r) => r[0]);
    return ids.find((id) => this.idExists.get(id) !== undefined) ?? ids.join(',');
  }
}

// Duck-typed: node:sqlite errors come from another realm under jest, so instanceof fails.
function isUniqueIdViolation(error: unknown): boolean {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message.includes('UNIQUE constraint failed: events.id');
}
