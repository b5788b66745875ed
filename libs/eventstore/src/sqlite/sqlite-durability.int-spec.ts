import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { anEvent, events, streamName } from '../testing/fixtures';
import { SqliteEventStore } from './sqlite-event-store';

describe('SqliteEventStore on disk', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'logbook-sqlite-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('uses WAL with synchronous=FULL', async () => {
    const store = await SqliteEventStore.open(dir);
    expect(store.durability()).toEqual({ journalMode: 'wal', synchronous: 'FULL' });
    await store.close();
  });

  it('keeps the log, stream revisions, snapshots and checkpoints across a reopen', async () => {
    const s = streamName();
    let store = await SqliteEventStore.open(dir);
    await store.append(s, events(3), 'no_stream');
    await store.saveSnapshot(3, [['Pod/ns/p', '{"n":3}']]);
    await store.setCheckpoint('relay', 2);
    await store.close();

    store = await SqliteEventStore.open(dir);
    try {
      expect(await store.headPosition()).toBe(3);
      await expect(store.append(s, events(1), 1)).rejects.toMatchObject({ code: 'ExpectedRevisionConflict', actual: 2 });
      expect(await store.append(s, events(1), 2)).toEqual({ firstPosition: 4, position: 4, revision: 3 });
      expect(await store.latestSnapshotPosition()).toBe(3);
      expect(await store.readSnapshot(3)).toEqual([['Pod/ns/p', '{"n":3}']]);
      expect(await store.getCheckpoint('relay')).toBe(2);
    } finally {
      await store.close();
    }
  });

  it('commits appends still queued when it is closed', async () => {
    const store = await SqliteEventStore.open(dir);
    const acks = Array.from({ length: 50 }, () => store.append(streamName(), events(1), 'no_stream'));
    await store.close();
    expect((await Promise.all(acks)).map((r) => r.position)).toHaveLength(50);
    const reopened = await SqliteEventStore.open(dir);
    expect(await reopened.headPosition()).toBe(50);
    await reopened.close();
  });

  it('commits a burst of concurrent appends in few transactions', async () => {
    const store = await SqliteEventStore.open(dir);
    const db = new DatabaseSync(join(dir, 'events.db'));
    const before = (db.prepare('PRAGMA data_version').get()!.data_version as number);
    await Promise.all(Array.from({ length: 100 }, () => store.append(streamName(), events(1), 'no_stream')));
    // data_version moves once per commit made by another connection.
    const commits = (db.prepare('PRAGMA data_version').get()!.data_version as number) - before;
    db.close();
    await store.close();
    expect(commits).toBeGreaterThanOrEqual(1);
    expect(commits).toBeLessThan(5);
  });

  it('upcasts what it reads', async () => {
    const s = streamName();
    const store = await SqliteEventStore.open(dir);
    await store.append(s, [anEvent({ type: 'PodBound' })], 'no_stream');
    await store.close();
    // Forge an event written by an older schema than any upcaster covers.
    const db = new DatabaseSync(join(dir, 'events.db'));
    db.exec('UPDATE events SET schema_version = 0');
    db.close();
    const reopened = await SqliteEventStore.open(dir);
    await expect(reopened.readStream(s)).rejects.toMatchObject({ code: 'MissingUpcaster' });
    await reopened.close();
  });

  it('saves a snapshot larger than one transaction whole; an unfinished save is never read and is dropped on reopen', async () => {
    let store = await SqliteEventStore.open(dir);
    const entries = Array.from({ length: 5_000 }, (_, i) => [`Pod/ns/p-${String(i).padStart(5, '0')}`, `{"i":${i}}`] as const);
    await store.saveSnapshot(100, entries);
    await store.close();
    // A crash in the middle of saving the snapshot at 200: some object rows, no point row.
    const db = new DatabaseSync(join(dir, 'events.db'));
    db.prepare('INSERT INTO snapshot_objects (position, stream, object) VALUES (200, ?, ?)').run('Pod/ns/half', '{}');
    db.close();
    store = await SqliteEventStore.open(dir);
    try {
      expect(await store.latestSnapshotPosition()).toBe(100);
      expect(await store.readSnapshot(100)).toEqual(entries);
      expect(await store.readSnapshot(200)).toEqual([]);
      expect(await store.readSnapshot(100, 'Pod/ns/p-04999')).toEqual([entries[4999]]);
      // Saved again, a position holds only the new copy.
      await store.saveSnapshot(100, [['Pod/ns/again', '{}']]);
      expect(await store.readSnapshot(100)).toEqual([['Pod/ns/again', '{}']]);
    } finally {
      await store.close();
    }
  });

  it('prunes old snapshots only when asked to', async () => {
    const keepAll = await SqliteEventStore.open(join(dir, 'all'));
    const keepTwo = await SqliteEventStore.open(join(dir, 'two'), { keepSnapshots: 2 });
    for (const p of [10, 20, 30]) {
      await keepAll.saveSnapshot(p, [['Pod/ns/p', `{"p":${p}}`]]);
      await keepTwo.saveSnapshot(p, [['Pod/ns/p', `{"p":${p}}`]]);
    }
    expect(await keepAll.latestSnapshotPosition(15)).toBe(10);
    expect(await keepTwo.latestSnapshotPosition(15)).toBeUndefined();
    expect(await keepTwo.latestSnapshotPosition(25)).toBe(20);
    expect(await keepTwo.readSnapshot(10)).toEqual([]);
    await keepAll.close();
    await keepTwo.close();
  });
});
