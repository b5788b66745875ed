import { InMemoryEventStore, inScope } from '@logbook/eventstore';
import { canonicalJson } from './canonical-json';
import { Projector } from './projector';
import { ClusterState } from './state';
import { replayAll, stateAt, stateAtTime } from './time-travel';
import { aNode, created, statusChanged } from './testing/fixtures';
import { podWorkload } from './testing/workload';

describe('stateAt', () => {
  let store: InMemoryEventStore;
  /** The live projector's hash at every position it passed through. */
  let liveHashes: Map<number, string>;
  let head: number;

  // One log for every test: the tests only read it.
  beforeAll(async () => {
    store = new InMemoryEventStore();
    liveHashes = new Map();
    const projector = new Projector(store, store, { snapshotEvery: 100 });
    projector.onApplied((e) => liveHashes.set(e.position, projector.state.stateHash()));
    await projector.start();
    for (const { stream, event } of podWorkload(450, { seed: 11 })) await store.append(stream, [event], 'any');
    // Cluster-scoped objects whose names share a prefix, after the pods.
    for (const name of ['node-1', 'node-10', 'node-2']) await store.append(`Node/${name}`, [created(aNode(name), 451)], 'no_stream');
    await store.append('Node/node-1', [statusChanged('Node', [{ op: 'add', path: '/status/phase', value: 'Running' }], 452)], 0);
    head = await store.headPosition();
    await projector.waitFor(head);
    await projector.snapshotIdle();
    await projector.stop();
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(() => store.close());

  it.each([1, 99, 100, 101, 250, 399, 450, 454])('equals the live state when it was at position %i', async (position) => {
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
    const snapshot = await store.latestSnapshotPosition(250);
    expect(snapshot).toBeLessThanOrEqual(250);
    expect(snapshot).toBeGreaterThan(100);
    await stateAt(store, store, 250);
    expect(reads[0]).toBe(snapshot);
  });

  it('folds from the start when the snapshot cannot be read', async () => {
    const broken = {
      latestSnapshotPosition: async () => 200,
      readSnapshot: async () => [['Pod/ns-1/pod-1', 'not json'] as const],
      saveSnapshot: async () => undefined,
    };
    expect((await stateAt(store, broken, 250)).stateHash()).toBe(liveHashes.get(250));
    const scoped = await stateAt(store, broken, 250, 'Pod/ns-1');
    expect(view(scoped)).toEqual(view(await stateAt(store, undefined, 250), 'Pod/ns-1'));
  });

  it('is empty at position 0', async () => {
    const state = await stateAt(store, store, 0);
    expect(state.position).toBe(0);
    expect(state.count()).toBe(0);
  });

  it('stops at the head for a position past it', async () => {
    expect((await stateAt(store, store, 10_000)).stateHash()).toBe(liveHashes.get(head));
    expect((await stateAt(store, store, 10_000, 'Node')).position).toBe(head);
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
    expect(replayed.stateHash()).toBe(liveHashes.get(head));
    expect(ClusterState.restore(replayed.serialize()).stateHash()).toBe(liveHashes.get(head));
  });

  describe('with a scope', () => {
    // Prefix-sharing names on purpose: ns-1 and ns-10, pod-1 and pod-10…, node-1 and node-10.
    const scopes = ['Pod', 'Pod/ns-1', 'Pod/ns-10', 'Pod/ns-1/pod-1', 'Pod/ns-1/pod-21', 'Pod/ns-3/pod-3', 'Node', 'Node/node-1', 'Service', 'Pod/ns-404'];

    it.each([1, 99, 100, 101, 250, 399, 450, 452, 454])('holds exactly the full state\'s objects in scope at position %i', async (position) => {
      const full = await stateAt(store, undefined, position);
      for (const scope of scopes) {
        const scoped = await stateAt(store, store, position, scope);
        expect({ scope, position: scoped.position }).toEqual({ scope, position });
        expect({ scope, objects: view(scoped) }).toEqual({ scope, objects: view(full, scope) });
      }
    });

    it('gives the same lists and gets as the full state', async () => {
      const full = await stateAt(store, store, 333);
      const ns = await stateAt(store, store, 333, 'Pod/ns-1');
      expect(ns.list('Pod', { namespace: 'ns-1' })).toEqual(full.list('Pod', { namespace: 'ns-1' }));
      const name = full.list('Pod', { namespace: 'ns-3' })[0].metadata.name!;
      const one = await stateAt(store, store, 333, `Pod/ns-3/${name}`);
      expect(one.get('Pod', 'ns-3', name)).toEqual(full.get('Pod', 'ns-3', name));
      expect(one.count()).toBe(1);
    });

    it('reads only the scope of the nearest snapshot and the events after it', async () => {
      const snapshot = (await store.latestSnapshotPosition(250))!;
      const snapshotReads: Array<[number, string | undefined]> = [];
      const readSnapshot = store.readSnapshot.bind(store);
      jest.spyOn(store, 'readSnapshot').mockImplementation((at, scope) => {
        snapshotReads.push([at, scope]);
        return readSnapshot(at, scope);
      });
      const readBackward = jest.spyOn(store, 'readBackward');
      const readAll = jest.spyOn(store, 'readAll');
      await stateAt(store, store, 250, 'Pod/ns-1');
      expect(snapshotReads).toEqual([[snapshot, 'Pod/ns-1']]);
      expect(readBackward.mock.calls.map(([f]) => [f?.after, f?.before, f?.streamPrefix])).toEqual([[snapshot, 251, 'Pod/ns-1']]);
      expect(readAll).not.toHaveBeenCalled();
    });

    it('folds the scope from the start without a snapshot store', async () => {
      expect(view(await stateAt(store, undefined, 250, 'Pod/ns-1'))).toEqual(view(await stateAt(store, undefined, 250), 'Pod/ns-1'));
    });
  });
});

/** The objects of a state (those in `scope`) as canonical JSON by stream. */
function view(state: ClusterState, scope?: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [stream, obj] of state.view().entries) if (inScope(stream, scope)) out[stream] = canonicalJson(obj);
  return out;
}
