import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { BusMessage, OutgoingMessage } from '../event-bus.port';

/**
 * The embedded bus's log and committed offsets in one SQLite file (WAL). Messages and offsets
 * survive a crash of the process, so a restarted component resumes where it stopped.
 * synchronous=NORMAL: a machine crash may lose the last transactions, which the relay then
 * publishes again from its checkpoint (the event store stays the source of truth).
 */
export class EmbeddedStore {
  private readonly db: DatabaseSync;
  private readonly partitionCounts = new Map<string, number>();
  private readonly ends = new Map<string, number>();
  private readonly stmt: Record<'insert' | 'read' | 'end' | 'atTime' | 'committed' | 'commit' | 'topic' | 'addTopic', StatementSync>;

  constructor(file: string) {
    this.db = new DatabaseSync(file);
    this.db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      PRAGMA busy_timeout = 5000;
      CREATE TABLE IF NOT EXISTS topics (name TEXT PRIMARY KEY, partitions INTEGER NOT NULL);
      -- A rowid table: messages are kilobytes, and WITHOUT ROWID keeps whole rows in the key's
      -- B-tree, which SQLite advises against for large rows (appends cost twice as much).
      -- A file from before keeps its WITHOUT ROWID table; both read and write the same.
      CREATE TABLE IF NOT EXISTS messages (
        topic TEXT NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL,
        key TEXT, value BLOB NOT NULL, headers TEXT NOT NULL, timestamp INTEGER NOT NULL,
        UNIQUE (topic, partition, offset));
      CREATE TABLE IF NOT EXISTS offsets (
        group_id TEXT NOT NULL, topic TEXT NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL,
        PRIMARY KEY (group_id, topic, partition)) WITHOUT ROWID;
    `);
    this.stmt = {
      insert: this.db.prepare('INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?, ?)'),
      read: this.db.prepare('SELECT * FROM messages WHERE topic = ? AND partition = ? AND offset >= ? ORDER BY offset LIMIT ?'),
      end: this.db.prepare('SELECT MAX(offset) AS last FROM messages WHERE topic = ? AND partition = ?'),
      atTime: this.db.prepare('SELECT MIN(offset) AS first FROM messages WHERE topic = ? AND partition = ? AND timestamp >= ?'),
      committed: this.db.prepare('SELECT offset FROM offsets WHERE group_id = ? AND topic = ? AND partition = ?'),
      commit: this.db.prepare(
        'INSERT INTO offsets VALUES (?, ?, ?, ?) ON CONFLICT (group_id, topic, partition) DO UPDATE SET offset = excluded.offset',
      ),
      topic: this.db.prepare('SELECT partitions FROM topics WHERE name = ?'),
      addTopic: this.db.prepare('INSERT OR IGNORE INTO topics VALUES (?, ?)'),
    };
  }

  createTopic(topic: string, partitions: number): void {
    this.stmt.addTopic.run(topic, partitions);
  }

  partitionsOf(topic: string): number | undefined {
    const cached = this.partitionCounts.get(topic);
    if (cached !== undefined) return cached;
    const row = this.stmt.topic.get(topic) as { partitions: number } | undefined;
    if (row) this.partitionCounts.set(topic, row.partitions);
    return row?.partitions;
  }

  /** Appends in one transaction; each entry names its partition. */
  append(entries: readonly { topic: string; partition: number; message: OutgoingMessage }[], timestamp: number): void {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      for (const { topic, partition, message } of entries) {
        const offset = this.endOffset(topic, partition);
        const value = typeof message.value === 'string' ? Buffer.from(message.value) : message.value;
        this.stmt.insert.run(topic, partition, offset, message.key, value, JSON.stringify(message.headers ?? {}), timestamp);
        this.ends.set(`${topic}\u0000${partition}`, offset + 1);
      }
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      this.ends.clear();
      throw error;
    }
  }

  read(topic: string, partition: number, fromOffset: number, limit: number): BusMessage[] {
    const rows = this.stmt.read.all(topic, partition, fromOffset, limit) as unknown as Row[];
    return rows.map((r) => ({
      topic: r.topic,
      partition: r.partition,
      offset: String(r.offset),
      key: r.key,
      value: Buffer.from(r.value),
      headers: JSON.parse(r.headers) as Record<string, string>,
      timestamp: r.timestamp,
    }));
  }

  /** The offset the next message of the partition will get. */
  endOffset(topic: string, partition: number): number {
    const id = `${topic}\u0000${partition}`;
    let end = this.ends.get(id);
    if (end === undefined) {
      const row = this.stmt.end.get(topic, partition) as { last: number | null };
      end = row.last === null ? 0 : row.last + 1;
      this.ends.set(id, end);
    }
    return end;
  }

  offsetForTimestamp(topic: string, partition: number, timestamp: number): number {
    const row = this.stmt.atTime.get(topic, partition, timestamp) as { first: number | null };
    return row.first ?? this.endOffset(topic, partition);
  }

  committed(groupId: string, topic: string, partition: number): number | undefined {
    const row = this.stmt.committed.get(groupId, topic, partition) as { offset: number } | undefined;
    return row?.offset;
  }

  commit(groupId: string, topic: string, partition: number, offset: number): void {
    this.stmt.commit.run(groupId, topic, partition, offset);
  }

  close(): void {
    this.db.close();
  }
}

interface Row {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: Uint8Array;
  headers: string;
  timestamp: number;
}
