import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { StoredEvent } from '@logbook/events';
import type { EventFilter } from '../event-store.port';
import { EVENT_COLUMNS, fromRow, type EventRow } from './rows';

/**
 * The history reads (audit, explain, lookup by uid). Statements are built per filter shape and
 * kept, so a repeated audit query is prepared once. Indexes: `events_actor` (actor, position)
 * for audits of one user, `events_uid` (a partial expression index over Created events) for
 * lookups by uid; `id` is UNIQUE and so indexed already.
 */
export class HistoryQueries {
  private readonly statements = new Map<string, StatementSync>();
  private readonly byId: StatementSync;
  private readonly byUid: StatementSync;

  constructor(private readonly db: DatabaseSync) {
    this.byId = db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE id = ?`);
    this.byUid = db.prepare(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE type LIKE '%Created' AND json_extract(data, '$.object.metadata.uid') = ? ORDER BY position LIMIT 1`,
    );
    for (const s of [this.byId, this.byUid]) s.setReturnArrays(true);
  }

  readBackward(filter: EventFilter): StoredEvent[] {
    const { before = Number.MAX_SAFE_INTEGER, after = 0, actor, streamPrefix, types, limit = 1000 } = filter;
    if (types && types.length === 0) return [];
    const where = ['position < ?', 'position > ?'];
    const params: (string | number)[] = [before, after];
    if (actor !== undefined) {
      where.push('actor = ?');
      params.push(actor);
    }
    if (streamPrefix !== undefined && streamPrefix !== '') {
      // A range rather than LIKE: no escaping of `_`/`%` in names, and it can use an index.
      where.push('stream >= ? AND stream < ?');
      params.push(streamPrefix, prefixEnd(streamPrefix));
    }
    if (types !== undefined) {
      where.push(`type IN (${types.map(() => '?').join(',')})`);
      params.push(...types);
    }
    const sql = `SELECT ${EVENT_COLUMNS} FROM events WHERE ${where.join(' AND ')} ORDER BY position DESC LIMIT ?`;
    params.push(limit);
    return (this.statement(sql).all(...params) as unknown as EventRow[]).map(fromRow);
  }

  readEvent(id: string): StoredEvent | undefined {
    const row = this.byId.get(id) as unknown as EventRow | undefined;
    return row ? fromRow(row) : undefined;
  }

  findCreation(uid: string): StoredEvent | undefined {
    const row = this.byUid.get(uid) as unknown as EventRow | undefined;
    return row ? fromRow(row) : undefined;
  }

  private statement(sql: string): StatementSync {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      s.setReturnArrays(true);
      if (this.statements.size > 64) this.statements.clear();
      this.statements.set(sql, s);
    }
    return s;
  }
}

/** The smallest string greater than every string starting with `prefix`. */
function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}
