import { InMemoryEventStore } from '@logbook/eventstore';
import { CURRENT_SCHEMA_VERSION, type NewEvent } from '@logbook/events';
import { stateAt } from '@logbook/projections';
import { StateCache } from './state-cache';

let n = 0;
const created = (kind: string, namespace: string, name: string): NewEvent => ({
  id: `e-${++n}`,
  type: `${kind}Created`,
  data: { object: { apiVersion: 'v1', kind, metadata: { name, namespace, uid: `${name}-uid` } } },
  metadata: { time: new Date(Date.UTC(2025, 0, 1, 0, 0, n)).toISOString(), actor: 'u', schemaVersion: CURRENT_SCHEMA_VERSION },
});

describe('StateCache', () => {
  let store: InMemoryEventStore;
  beforeEach(async () => {
    store = new InMemoryEventStore();
    for (const [ns, name] of [['a', 'p1'], ['a', 'p2'], ['b', 'p1'], ['b', 'p2'], ['b', 'p3']]) await store.append(`Pod/${ns}/${name}`, [created('Pod', ns, name)], 'no_stream');
    await store.saveSnapshot(3, (await stateAt(store, undefined, 3)).snapshotEntries());
  });
  afterEach(() => store.close());

  it('builds a scope only, and answers a narrower scope from a wider state of the same position', async () => {
    const cache = new StateCache(store, store);
    const ns = await cache.at(5, 'Pod/b');
    expect(ns.list('Pod').map((p) => p.metadata.name)).toEqual(['p1', 'p2', 'p3']);
    expect(await cache.at(5, 'Pod/b/p2')).toBe(ns);
    expect(await cache.at(5, 'Pod/a/p1')).not.toBe(ns);
    const full = await cache.at(4);
    expect(await cache.at(4, 'Pod/a')).toBe(full);
    expect(cache.cachedKeys).toEqual(['5 Pod/b', '5 Pod/a/p1', '4']);
  });

  it('keeps at most maxObjects objects, least recently used out first; a bigger state is served but not kept', async () => {
    const cache = new StateCache(store, store, 4);
    await cache.at(5, 'Pod/a'); // 2 objects
    await cache.at(4, 'Pod/a/p1'); // 1
    await cache.at(5, 'Pod/a'); // used again
    await cache.at(5, 'Pod/b/p1'); // 1: 4 held
    expect(cache.cachedObjects).toBe(4);
    await cache.at(2); // 2: the least recently used go first
    expect(cache.cachedKeys).toEqual(['5 Pod/b/p1', '2']);
    expect(cache.cachedObjects).toBe(3);
    const big = await cache.at(5);
    expect(big.count()).toBe(5);
    expect(cache.cachedKeys).toEqual(['5 Pod/b/p1', '2']);
  });

  it('shares one build between concurrent reads of one point', async () => {
    const cache = new StateCache(store, store);
    const readSnapshot = jest.spyOn(store, 'readSnapshot');
    const [x, y] = await Promise.all([cache.at(4, 'Pod/b'), cache.at(4, 'Pod/b')]);
    expect(x).toBe(y);
    expect(readSnapshot).toHaveBeenCalledTimes(1);
  });

  it('forgets a failed build, so that the next read tries again', async () => {
    const cache = new StateCache(store, store);
    jest.spyOn(store, 'readBackward').mockRejectedValueOnce(new Error('disk on fire'));
    await expect(cache.at(4, 'Pod/b')).rejects.toThrow('disk on fire');
    expect(cache.cachedKeys).toEqual([]);
    expect((await cache.at(4, 'Pod/b')).count()).toBe(2);
  });
});
