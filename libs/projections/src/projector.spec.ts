import { InMemoryEventStore } from '@logbook/eventstore';
import type { StoredEvent } from '@logbook/events';
import { ProjectionTimeout, Projector, ProjectorStopped } from './projector';
import { ClusterState } from './state';
import { aPod, bound, created } from './testing/fixtures';
import { podWorkload } from './testing/workload';

async function appendWorkload(store: InMemoryEventStore, count: number, seed = 7): Promise<void> {
  for (const { stream, event } of podWorkload(count, { seed })) await store.append(stream, [event], 'any');
}

async function freshFold(store: InMemoryEventStore): Promise<ClusterState> {
  const state = new ClusterState();
  for (const e of await store.readAll({ limit: 1_000_000 })) state.apply(e);
  return state;
}

async function eventually(check: () => void | Promise<void>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

describe('Projector', () => {
  let store: InMemoryEventStore;
  let projector: Projector | undefined;
  beforeEach(() => {
    store = new InMemoryEventStore();
  });
  afterEach(async () => {
    await projector?.stop();
    projector = undefined;
    await store.close();
  });

  describe('when the log has history and no snapshot', () => {
    it('start() folds it all before resolving', async () => {
      await appendWorkload(store, 500);
      projector = new Projector(store, undefined);
      await projector.start();
      expect(projector.state.position).toBe(500);
      expect(projector.state.stateHash()).toBe((await freshFold(store)).stateHash());
    });
  });

  describe('when it is running', () => {
    beforeEach(async () => {
      projector = new Projector(store, store);
      await projector.start();
    });

    it('applies live appends, and waitFor resolves once a write is visible', async () => {
      const { position } = await store.append('Pod/default/p1', [created(aPod('p1'))], 'no_stream');
      await projector!.waitFor(position, 2000);
      expect(projector!.state.get('Pod', 'default', 'p1')?.metadata.resourceVersion).toBe(String(position));
    });

    it('waitFor resolves at once for a position already applied', async () => {
      await expect(projector!.waitFor(0)).resolves.toBeUndefined();
    });

    it('waitFor rejects with ProjectionTimeout for a position that never comes', async () => {
      await expect(projector!.waitFor(99, 20)).rejects.toBeInstanceOf(ProjectionTimeout);
    });

    it('stop() rejects pending waits', async () => {
      const wait = projector!.waitFor(99, 5000);
      await projector!.stop();
      await expect(wait).rejects.toBeInstanceOf(ProjectorStopped);
    });

    it('calls onApplied listeners in log order with the change, until unsubscribed', async () => {
      const seen: Array<[number, string | undefined, string | undefined]> = [];
      const off = projector!.onApplied((e, change) => {
        // The state already includes the event when listeners run.
        expect(projector!.state.position).toBe(e.position);
        seen.push([e.position, change.before?.spec?.nodeName, change.after?.spec?.nodeName]);
      });
      await store.append('Pod/default/p1', [created(aPod('p1'))], 'no_stream');
      const { position } = await store.append('Pod/default/p1', [bound('node-1')], 0);
      await projector!.waitFor(position);
      off();
      const last = await store.append('Pod/default/p1', [bound('node-2')], 1);
      await projector!.waitFor(last.position);
      expect(seen).toEqual([
        [1, undefined, undefined],
        [2, undefined, 'node-1'],
      ]);
    });

    it('keeps projecting when a listener throws, and reports the error', async () => {
      const errors: unknown[] = [];
      const other = new Projector(store, undefined, { onError: (e) => errors.push(e) });
      try {
        await other.start();
        other.onApplied(() => {
          throw new Error('listener bug');
        });
        await store.append('Pod/default/p1', [created(aPod('p1'))], 'no_stream');
        const { position } = await store.append('Pod/default/p2', [created(aPod('p2'))], 'no_stream');
        await other.waitFor(position);
        expect(other.state.count('Pod')).toBe(2);
        expect(errors).toHaveLength(2);
      } finally {
        await other.stop();
      }
    });
  });

  describe('snapshots', () => {
    it('saves one every snapshotEvery events, restorable to the state at that position', async () => {
      const positions: Record<number, string> = {};
      projector = new Projector(store, store, { snapshotEvery: 100 });
      projector.onApplied((e) => {
        positions[e.position] = projector!.state.stateHash();
      });
      await projector.start();
      await appendWorkload(store, 350);
      await projector.waitFor(350);
      await projector.snapshotIdle();
      const restore = async (position: number) => {
        const state = new ClusterState();
        state.loadEntries(position, await store.readSnapshot(position));
        return state;
      };
      const latest = (await store.latestSnapshotPosition())!;
      expect(latest).toBeGreaterThanOrEqual(300);
      expect((await restore(latest)).stateHash()).toBe(positions[latest]);
      expect(await store.latestSnapshotPosition(199)).toBe(100);
      expect((await restore(100)).stateHash()).toBe(positions[100]);
    });

    it('starts from the newest snapshot and folds only the tail', async () => {
      await appendWorkload(store, 400);
      const partial = new ClusterState();
      for (const e of await store.readAll({ to: 250, limit: 1000 })) partial.apply(e);
      await store.saveSnapshot(250, partial.snapshotEntries());
      const reads: Array<number | undefined> = [];
      const readAll = store.readAll.bind(store);
      jest.spyOn(store, 'readAll').mockImplementation((opts) => {
        reads.push(opts?.after);
        return readAll(opts);
      });

      projector = new Projector(store, store);
      await projector.start();
      expect(reads[0]).toBe(250);
      expect(projector.state.position).toBe(400);
      expect(projector.state.stateHash()).toBe((await freshFold(store)).stateHash());
    });

    it('replays the whole log when the snapshot cannot be read', async () => {
      await appendWorkload(store, 120);
      await store.saveSnapshot(100, [['Pod/ns/p', '{"not":"a kube object"}'], ['Pod/ns/q', 'not json']]);
      const errors: unknown[] = [];
      projector = new Projector(store, store, { onError: (e) => errors.push(e) });
      await projector.start();
      expect(errors).toHaveLength(1);
      expect(projector.state.stateHash()).toBe((await freshFold(store)).stateHash());
    });

    it('never runs two snapshots at once', async () => {
      let inFlight = 0;
      let maxInFlight = 0;
      const saved: number[] = [];
      const slowSnapshots = {
        async saveSnapshot(position: number) {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await new Promise((resolve) => setImmediate(resolve));
          saved.push(position);
          inFlight--;
        },
        latestSnapshotPosition: async () => undefined,
        readSnapshot: async () => [],
      };
      await appendWorkload(store, 300);
      projector = new Projector(store, slowSnapshots, { snapshotEvery: 10 });
      await projector.start();
      await projector.snapshotIdle();
      expect(maxInFlight).toBe(1);
      expect(saved.length).toBeGreaterThan(0);
      expect(saved).toEqual([...saved].sort((a, b) => a - b));
    });
  });

  it('gives the same hash as a fresh fold while events keep arriving', async () => {
    projector = new Projector(store, store, { snapshotEvery: 50 });
    const starting = projector.start();
    const appends: Promise<unknown>[] = [];
    for (const { stream, event } of podWorkload(300, { seed: 3 })) appends.push(store.append(stream, [event], 'any'));
    await Promise.all(appends);
    await starting;
    await projector.waitFor(300);
    await eventually(async () => expect(projector!.state.stateHash()).toBe((await freshFold(store)).stateHash()));
    const seen: StoredEvent[] = [];
    projector.onApplied((e) => seen.push(e));
    expect(seen).toEqual([]);
  });
});
