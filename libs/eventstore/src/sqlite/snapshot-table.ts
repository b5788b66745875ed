import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { SnapshotEntry } from '../event-store.port';

/** Rows per transaction when saving: about 20 ms of inserts, then the event loop breathes. */
const SAVE_CHUNK = 2_000;

/**
 * Snapshots in two tables (schema.ts): `snapshot_objects` (position, stream, object), whose
 * primary key serves reads of one stream or one stream range of a snapshot, and
 * `snapshot_points`, one row per complete snapshot. A snapshot is saved in chunks, each its own
 * transaction with a macrotask between (a snapshot of 100k objects in one transaction would
 * stall the API's writes for a second); its point row is written last, so a reader never sees
 * half a snapshot, and a crash mid-save leaves rows that the next open deletes.
 */
export class SnapshotTable {
  private readonly sql: Record<'insert' | 'point' | 'latest' | 'all' | 'scoped' | 'clear' | 'unpoint' | 'orphans' | 'keptFrom' | 'pruneObjects' | 'prunePoints', StatementSync>;

  constructor(private readonly db: DatabaseSync) {
    this.sql = {
      insert: db.prepare('INSERT INTO snapshot_objects (position, stream, object) VALUES (?, ?, ?)'),
      point: db.prepare('INSERT OR REPLACE INTO snapshot_points (position, objects) VALUES (?, ?)'),
      latest: db.prepare('SELECT position FROM snapshot_points WHERE position <= ? ORDER BY position DESC LIMIT 1'),
      all: db.prepare('SELECT stream, object FROM snapshot_objects WHERE position = ? ORDER BY stream'),
      // The stream itself, then the range of `<scope>/…` ('0' is the character after '/').
      scoped: db.prepare(
        `SELECT stream, object FROM snapshot_objects WHERE position = ? AND stream = ?
         UNION ALL
         SELECT stream, object FROM snapshot_objects WHERE position = ? AND stream > ? AND stream < ?
         ORDER BY stream`,
      ),
      clear: db.prepare('DELETE FROM snapshot_objects WHERE position = ?'),
      unpoint: db.prepare('DELETE FROM snapshot_points WHERE position = ?'),
      orphans: db.prepare('DELETE FROM snapshot_objects WHERE position > (SELECT COALESCE(MAX(position), 0) FROM snapshot_points)'),
      keptFrom: db.prepare('SELECT position FROM snapshot_points ORDER BY position DESC LIMIT 1 OFFSET ?'),
      pruneObjects: db.prepare('DELETE FROM snapshot_objects WHERE position < ?'),
      prunePoints: db.prepare('DELETE FROM snapshot_points WHERE position < ?'),
    };
    for (const s of [this.sql.all, this.sql.scoped]) s.setReturnArrays(true);
    this.sql.orphans.run();
  }

  /** `assertOpen` is called after each pause: the store may have been closed meanwhile. */
  async save(position: number, entries: readonly SnapshotEntry[], assertOpen: () => void): Promise<void> {
    // Saving a position again: it disappears until the new copy is complete.
    this.transaction(() => {
      this.sql.unpoint.run(position);
      this.sql.clear.run(position);
    });
    for (let i = 0; i < entries.length; i += SAVE_CHUNK) {
      if (i > 0) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        assertOpen();
      }
      this.transaction(() => {
        const end = Math.min(entries.length, i + SAVE_CHUNK);
        for (let j = i; j < end; j++) this.sql.insert.run(position, entries[j][0], entries[j][1]);
      });
    }
    this.sql.point.run(position, entries.length);
  }

  latestPosition(atOrBefore: number): number | undefined {
    return this.sql.latest.get(atOrBefore)?.position as number | undefined;
  }

  read(position: number, scope?: string): SnapshotEntry[] {
    const rows =
      scope === undefined ? this.sql.all.all(position) : this.sql.scoped.all(position, scope, position, `${scope}/`, `${scope}0`);
    return rows as unknown as SnapshotEntry[];
  }

  /** Keeps the newest `keep` snapshots. */
  prune(keep: number): void {
    const oldest = this.sql.keptFrom.get(Math.max(0, keep - 1))?.position as number | undefined;
    if (oldest === undefined) return;
    this.transaction(() => {
      this.sql.pruneObjects.run(oldest);
      this.sql.prunePoints.run(oldest);
    });
  }

  private transaction(work: () => void): void {
    this.db.exec('BEGIN');
    try {
      work();
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }
}
