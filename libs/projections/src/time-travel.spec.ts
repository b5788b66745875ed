import { InMemoryEventStore } from '@logbook/eventstore';
import { Projector } from './projector';
import { ClusterState } from './state';
import { replayAll, stateAt, stateAtTime } from './time-travel';
import { podWorkload } from './testing/workload';

describe('stateAt', () => {
  let store: InMemoryEventStore;
  /** The live projector's hash at every position it passed through. */
  let liveHashes: Map<number, string>;

  // One log for every test: the tests only read it.
  beforeAll(async () => {
    store = new InMemoryEventStore();
    liveHashes = new Map();
    const projector = new Projector(store, store, { snapshotEvery: 100 });
    projector.onApplied((e) => liveHashes.set(e.position, projector.state.stateHash()));
    await projector.start();
    for (const { stream, event } of podWorkload(450, { seed: 11 })) await store.append(stream, [event], 'any');
    await projector.waitFor(450);
    await projector.snapshotIdle();
    await projector.stop();
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(() => store.close());

  it.each([1, 99, 100, 101, 250, 399, 450])('equals the live state when it was at position %i', async (position) => {
    expect((await stateAt(store, store, position)).stateHash()).toBe(liveHashes.get(position));
  });

  it('equals the live state without any snapshot store (full replay)', async () => {
    expect((await stateAt(store, undefined, 250)).stateHash()).toBe(liveHashes.get(250));
  });

  it('starts from the nearest snapshot at or before the position, not from the start', async () => {
    const reads: Array<number | undefined> = [];
    const readAll = store.readAll.bind(store);
    jest.spyOn(store, 'readAll').mockImplementation((opts) => {
      reads.push(opts?.after);
      return readAll(opts);
    });
    const snapshot = await store.latestSnapshot(250);
    expect(snapshot?.position).toBeLessThanOrEqual(250);
    expect(snapshot?.position).toBeGreaterThan(100);
    await stateAt(store, store, 250);
    expect(reads[0]).toBe(snapshot!.position);
  });

  it('folds from the start when the snapshot cannot be read', async () => {
    const broken = { latestSnapshot: async () => ({ position: 200, state: 'not json' }), saveSnapshot: async () => undefined };
    expect((await stateAt(store, broken, 250)).stateHash()).toBe(liveHashes.get(250));
  });

  it('is empty at position 0', async () => {
    const state = await stateAt(store, store, 0);
    expect(state.position).toBe(0);
    expect(state.count()).toBe(0);
  });

  it('stops at the head for a position past it', async () => {
    expect((await stateAt(store, store, 10_000)).stateHash()).toBe(liveHashes.get(450));
  });

  it('rejects a negative or fractional position', async () => {
    await expect(stateAt(store, store, -1)).rejects.toThrow(RangeError);
    await expect(stateAt(store, store, 1.5)).rejects.toThrow(RangeError);
  });

  it('stateAtTime folds up to the last event at or before the time', async () => {
    const e = (await store.readAll({ after: 199, limit: 1 }))[0];
    const state = await stateAtTime(store, store, new Date(e.metadata.time));
    expect(state.position).toBe(await store.positionAt(new Date(e.metadata.time)));
    expect(state.stateHash()).toBe(liveHashes.get(state.position));
  });

  it('replayAll of the whole log equals the live state and a restored snapshot chain', async () => {
    const replayed = await replayAll(store);
    expect(replayed.stateHash()).toBe(liveHashes.get(450));
    expect(ClusterState.restore(replayed.serialize()).stateHash()).toBe(liveHashes.get(450));
  });
});
