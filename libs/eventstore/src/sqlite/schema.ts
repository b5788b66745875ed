import type { DatabaseSync } from 'node:sqlite';

/**
 * Fsync policy: WAL journal with synchronous=FULL, so every COMMIT fsyncs the WAL before it
 * returns. An append is acknowledged only after its COMMIT returned, hence an acknowledged
 * append survives a crash of the process and of the machine. Group commit (see
 * group-commit.ts) amortises that one fsync over every append queued in the same tick.
 */
const PRAGMAS = `
  PRAGMA journal_mode = WAL;
  PRAGMA synchronous = FULL;
  PRAGMA busy_timeout = 5000;
`;

// Positions are assigned by the store, not by AUTOINCREMENT, so that they stay gapless even
// when an append inside a batch is rolled back. UNIQUE(stream, revision) and the primary key
// make a second writer on the same file fail instead of forking the log.
const TABLES = `
  CREATE TABLE IF NOT EXISTS events (
    position       INTEGER PRIMARY KEY,
    stream         TEXT    NOT NULL,
    revision       INTEGER NOT NULL,
    id             TEXT    NOT NULL UNIQUE,
    type           TEXT    NOT NULL,
    time           TEXT    NOT NULL,
    time_ms        INTEGER NOT NULL,
    actor          TEXT    NOT NULL,
    causation_id   TEXT,
    correlation_id TEXT,
    schema_version INTEGER NOT NULL,
    data           TEXT    NOT NULL,
    UNIQUE (stream, revision)
  ) STRICT;
  -- time_ms orders times written with any UTC offset; position makes the index covering.
  CREATE INDEX IF NOT EXISTS events_time ON events (time_ms, position);
  -- History queries (history-queries.ts): audits by user, lookups by uid of Created events.
  CREATE INDEX IF NOT EXISTS events_actor ON events (actor, position);
  CREATE INDEX IF NOT EXISTS events_uid ON events (json_extract(data, '$.object.metadata.uid')) WHERE type LIKE '%Created';
  -- Snapshots, one row per live object (time travel reads one object or one kind/namespace
  -- range of a snapshot); a snapshot exists once its snapshot_points row does, written last.
  CREATE TABLE IF NOT EXISTS snapshot_points (
    position INTEGER PRIMARY KEY,
    objects  INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE IF NOT EXISTS snapshot_objects (
    position INTEGER NOT NULL,
    stream   TEXT    NOT NULL,
    object   TEXT    NOT NULL,
    PRIMARY KEY (position, stream)
  ) STRICT;
  -- Format 1 kept a snapshot as one JSON document; snapshots are a cache of the log, so the old
  -- ones are dropped rather than converted (the next start folds from the log and saves anew).
  DROP TABLE IF EXISTS snapshots;
  CREATE TABLE IF NOT EXISTS checkpoints (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
  ) STRICT;
`;

export function migrate(db: DatabaseSync): void {
  db.exec(PRAGMAS);
  db.exec(TABLES);
}
