import { InMemoryEventStore } from '@logbook/eventstore';
import { CURRENT_SCHEMA_VERSION, type NewEvent } from '@logbook/events';
import { ClusterState } from '@logbook/projections';
import type { KubeObject } from '@logbook/kube';
import { explainStream } from './explain';
import { diffStates } from './diff';
import { StateCache } from './state-cache';

let n = 0;
function ev(id: string, type: string, actor: string, data: unknown = {}, causationId?: string): NewEvent {
  n += 1;
  return { id, type, data, metadata: { time: new Date(Date.UTC(2025, 0, 1, 0, 0, n)).toISOString(), actor, schemaVersion: CURRENT_SCHEMA_VERSION, ...(causationId ? { causationId } : {}) } };
}
const obj = (kind: string, name: string, spec: object, uid = `${name}-uid`): KubeObject => ({ apiVersion: 'v1', kind, metadata: { name, namespace: 'ns', uid }, spec });

describe('explainStream', () => {
  it('walks causation from the pod back to the user request, then lists what happened since', async () => {
    const store = new InMemoryEventStore();
    await store.append('Deployment/ns/web', [ev('d1', 'DeploymentCreated', 'alice', { object: obj('Deployment', 'web', {}) })], 'no_stream');
    await store.append('ReplicaSet/ns/web-1', [ev('r1', 'ReplicaSetCreated', 'system:controller-manager', { object: obj('ReplicaSet', 'web-1', {}) }, 'd1')], 'no_stream');
    await store.append('Pod/ns/web-1-a', [ev('p1', 'PodCreated', 'system:controller-manager', { object: obj('Pod', 'web-1-a', {}) }, 'r1')], 'no_stream');
    await store.append('Pod/ns/web-1-a', [ev('p2', 'PodBound', 'system:scheduler', { nodeName: 'node-2' }, 'p1')], 0);
    await store.append('Pod/ns/web-1-a', [ev('p3', 'PodStatusChanged', 'system:node:node-2', { patch: [{ op: 'add', path: '/status/phase', value: 'Running' }] }, 'p2')], 1);
    const x = (await explainStream(store, 'Pod/ns/web-1-a'))!;
    expect(x.chain.map((s) => [s.actor, s.type, s.name])).toEqual([
      ['alice', 'DeploymentCreated', 'web'],
      ['system:controller-manager', 'ReplicaSetCreated', 'web-1'],
      ['system:controller-manager', 'PodCreated', 'web-1-a'],
    ]);
    expect(x.rootActor).toBe('alice');
    expect(x.rootIsUser).toBe(true);
    expect(x.events.map((s) => [s.type, s.node, s.cause?.type])).toEqual([
      ['PodBound', 'node-2', 'PodCreated'],
      ['PodStatusChanged', undefined, 'PodBound'],
    ]);
  });

  it('says what status writes did: phase changes and container restarts with the exit before', async () => {
    const store = new InMemoryEventStore();
    const pod = { ...obj('Pod', 'p', {}), status: { phase: 'Pending' } };
    const running = (restartCount: number, lastState: object = {}) => ({
      op: 'replace',
      path: '/status',
      value: { phase: 'Running', containerStatuses: [{ name: 'web', restartCount, lastState, state: { running: {} } }] },
    });
    await store.append('Pod/ns/p', [ev('s1', 'PodCreated', 'alice', { object: pod })], 'no_stream');
    await store.append('Pod/ns/p', [ev('s2', 'PodStatusChanged', 'system:node:n1', { patch: [running(0)] }, 's1')], 0);
    await store.append('Pod/ns/p', [ev('s3', 'PodStatusChanged', 'system:node:n1', { patch: [running(1, { terminated: { exitCode: 137, reason: 'Error' } })] }, 's2')], 1);
    const x = (await explainStream(store, 'Pod/ns/p'))!;
    expect(x.events.map((s) => [s.detail, s.restarts])).toEqual([
      ['phase Pending → Running', undefined],
      ['container web restarted (restart 1, last exit 137 Error)', [{ container: 'web', restartCount: 1, exitCode: 137, reason: 'Error' }]],
    ]);
  });

  it('explains the current incarnation of a re-created object, and nothing for a stream never created', async () => {
    const store = new InMemoryEventStore();
    await store.append('Pod/ns/p', [ev('a1', 'PodCreated', 'alice', { object: obj('Pod', 'p', {}, 'u1') })], 'no_stream');
    await store.append('Pod/ns/p', [ev('a2', 'ObjectDeleted', 'alice')], 0);
    await store.append('Pod/ns/p', [ev('a3', 'PodCreated', 'bob', { object: obj('Pod', 'p', {}, 'u2') })], 1);
    const x = (await explainStream(store, 'Pod/ns/p'))!;
    expect(x.chain.map((s) => s.id)).toEqual(['a3']);
    expect(x.rootActor).toBe('bob');
    expect(await explainStream(store, 'Pod/ns/none')).toBeUndefined();
  });
});

describe('diffStates and StateCache', () => {
  it('lists added, removed and changed objects with field-level changes', async () => {
    const store = new InMemoryEventStore();
    await store.append('Pod/ns/a', [ev('x1', 'PodCreated', 'u', { object: obj('Pod', 'a', { image: 'v1' }) })], 'no_stream'); // 1
    await store.append('Pod/ns/b', [ev('x2', 'PodCreated', 'u', { object: obj('Pod', 'b', { image: 'v1' }) })], 'no_stream'); // 2
    await store.append('Pod/ns/a', [ev('x3', 'PodUpdated', 'u', { patch: [{ op: 'replace', path: '/spec/image', value: 'v2' }] })], 0); // 3
    await store.append('Pod/ns/b', [ev('x4', 'ObjectDeleted', 'u')], 0); // 4
    await store.append('Pod/ns/c', [ev('x5', 'PodCreated', 'u', { object: obj('Pod', 'c', {}) })], 'no_stream'); // 5
    const cache = new StateCache(store, store, 4); // room for two states of two objects
    const [s2, s5] = [await cache.at(2), await cache.at(5)];
    expect(s2.position).toBe(2);
    const d = diffStates(s2, s5);
    expect(d.added.map((o) => o.name)).toEqual(['c']);
    expect(d.removed.map((o) => o.name)).toEqual(['b']);
    expect(d.changed).toEqual([expect.objectContaining({ name: 'a', resourceVersion: '3', fromResourceVersion: '1', changes: [{ path: 'spec.image', op: 'replace', from: 'v1', to: 'v2' }] })]);
    expect(diffStates(s2, s5, { kinds: ['Pod'], name: 'a' }).changed).toHaveLength(1);
    expect(diffStates(s2, s5, { kinds: ['Pod'], namespace: 'ns', name: 'b' }).removed).toHaveLength(1);
    expect(diffStates(s2, s5, { kinds: ['Deployment'] })).toEqual({ added: [], removed: [], changed: [] });
    expect(diffStates(s5, s5)).toEqual({ added: [], removed: [], changed: [] });
    // The cache keeps the most recent points only, and gives the same state for a repeated read.
    expect(await cache.at(5)).toBe(s5);
    await cache.at(3);
    expect(cache.cachedKeys).toEqual(['5', '3']);
    expect((await cache.at(4)).stateHash()).toBe((await (async () => { const s = new ClusterState(); for (const e of await store.readAll({ to: 4 })) s.apply(e); return s; })()).stateHash());
  });
});
