import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@logbook/eventstore';
import { Projector } from './projector';
import { replayAll, stateAt } from './time-travel';
import { podWorkload, type WorkloadEvent } from './testing/workload';

async function appendAll(store: SqliteEventStore, events: Iterable<WorkloadEvent>): Promise<void> {
  const pending: Promise<unknown>[] = [];
  for (const { stream, event } of events) pending.push(store.append(stream, [event], 'any'));
  await Promise.all(pending);
}

describe('Projector on the SQLite store', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'logbook-projections-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('restarts from the newest snapshot plus the tail with the same hash as a full replay', async () => {
    const workload = [...podWorkload(1500, { seed: 5 })];
    const liveHashes = new Map<number, string>();

    // First life: project 1,000 events live, snapshotting every 200.
    let store = new SqliteEventStore(dir);
    let projector = new Projector(store, store, { snapshotEvery: 200 });
    projector.onApplied((e) => {
      if (e.position % 50 === 0) liveHashes.set(e.position, projector.state.stateHash());
    });
    await projector.start();
    await appendAll(store, workload.slice(0, 1000));
    await projector.waitFor(1000, 10_000);
    await projector.snapshotIdle();
    const hashAt1000 = projector.state.stateHash();
    await projector.stop();
    await store.close();

    // While it is down, the log grows (another writer, or a crash right after appends).
    store = new SqliteEventStore(dir);
    await appendAll(store, workload.slice(1000));
    await store.close();

    // Second life, in a fresh store handle: snapshot + tail.
    store = new SqliteEventStore(dir);
    try {
      const snapshot = (await store.latestSnapshotPosition())!;
      expect(snapshot).toBeGreaterThanOrEqual(800);
      expect(snapshot).toBeLessThanOrEqual(1000);
      const readAll = store.readAll.bind(store);
      const reads: Array<number | undefined> = [];
      jest.spyOn(store, 'readAll').mockImplementation((opts) => {
        reads.push(opts?.after);
        return readAll(opts);
      });
      projector = new Projector(store, store, { snapshotEvery: 200 });
      await projector.start();
      expect(reads[0]).toBe(snapshot);
      expect(projector.state.position).toBe(1500);
      jest.restoreAllMocks();

      const replayed = await replayAll(store);
      expect(projector.state.stateHash()).toBe(replayed.stateHash());
      expect((await stateAt(store, store, 1000)).stateHash()).toBe(hashAt1000);
      for (const position of [50, 450, 600, 950]) {
        expect((await stateAt(store, store, position)).stateHash()).toBe(liveHashes.get(position));
      }
      await projector.stop();
    } finally {
      await store.close();
    }
  });
});
