import type { KubeObject } from '@logbook/kube';
import type { NewEvent, StoredEvent } from '@logbook/events';
import { ClusterState } from './state';
import { aPod, at, bound, created, deleted, runningPatch, statusChanged, updated } from './testing/fixtures';

/** A log built event by event, positions from 1. */
class Log {
  readonly events: StoredEvent[] = [];
  private readonly revisions = new Map<string, number>();
  add(stream: string, event: NewEvent): this {
    const revision = (this.revisions.get(stream) ?? -1) + 1;
    this.revisions.set(stream, revision);
    this.events.push(at(this.events.length + 1, stream, event, revision));
    return this;
  }
  fold(state = new ClusterState()): ClusterState {
    for (const e of this.events) state.apply(e);
    return state;
  }
}

const node: KubeObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' }, spec: {} };
const ns = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name }, spec: {} });

function cluster(): Log {
  return new Log()
    .add('Namespace/default', created(ns('default')))
    .add('Namespace/a-b', created(ns('a-b')))
    .add('Node/node-1', created(node))
    .add('Pod/default/web-2', created(aPod('web-2')))
    .add('Pod/default/web-1', created(aPod('web-1')))
    .add('Pod/a-b/db-1', created(aPod('db-1', 'a-b', { labels: { app: 'db' } })))
    .add('Pod/a/api-1', created(aPod('api-1', 'a', { labels: { app: 'api' } })))
    .add('Pod/default/web-1', bound('node-1'))
    .add('Pod/a-b/db-1', bound('node-1'))
    .add('Pod/default/web-1', statusChanged('Pod', runningPatch(1)));
}

const names = (objs: KubeObject[]) => objs.map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`);

describe('ClusterState', () => {
  describe('when empty', () => {
    it('is at position 0 with nothing in it', () => {
      const state = new ClusterState();
      expect(state.position).toBe(0);
      expect(state.count()).toBe(0);
      expect(state.list('Pod')).toEqual([]);
    });
  });

  describe('when it holds a small cluster', () => {
    const state = cluster().fold();

    it('finds objects by kind, namespace and name, and by stream', () => {
      expect(state.get('Pod', 'default', 'web-1')?.spec.nodeName).toBe('node-1');
      expect(state.get('Node', undefined, 'node-1')?.metadata.resourceVersion).toBe('3');
      expect(state.get('Node', 'ignored-for-cluster-scoped', 'node-1')).toBeDefined();
      expect(state.getByStream('Pod/a-b/db-1')?.metadata.name).toBe('db-1');
      expect(state.get('Pod', 'default', 'nope')).toBeUndefined();
    });

    it('lists a kind sorted by namespace then name', () => {
      expect(names(state.list('Pod'))).toEqual(['a/api-1', 'a-b/db-1', 'default/web-1', 'default/web-2']);
      expect(names(state.list('Namespace'))).toEqual(['/a-b', '/default']);
    });

    it('lists one namespace', () => {
      expect(names(state.list('Pod', { namespace: 'default' }))).toEqual(['default/web-1', 'default/web-2']);
      expect(state.list('Pod', { namespace: 'missing' })).toEqual([]);
    });

    it('filters by labels', () => {
      expect(names(state.list('Pod', { labels: (l) => l.app === 'web' }))).toEqual(['default/web-1', 'default/web-2']);
      expect(names(state.list('Node', { labels: (l) => Object.keys(l).length === 0 }))).toEqual(['/node-1']);
    });

    it('lists the pods bound to a node, sorted', () => {
      expect(names(state.list('Pod', { nodeName: 'node-1' }))).toEqual(['a-b/db-1', 'default/web-1']);
      expect(names(state.list('Pod', { nodeName: 'node-1', namespace: 'default' }))).toEqual(['default/web-1']);
      expect(state.list('Pod', { nodeName: 'node-2' })).toEqual([]);
    });

    it('counts per kind and in total', () => {
      expect(state.count('Pod')).toBe(4);
      expect(state.count('Namespace')).toBe(2);
      expect(state.count('Deployment')).toBe(0);
      expect(state.count()).toBe(7);
    });
  });

  describe('when objects move and go', () => {
    it('keeps the node index current when a patch changes spec.nodeName', () => {
      const log = cluster().add('Pod/default/web-1', updated('Pod', [{ op: 'replace', path: '/spec/nodeName', value: 'node-2' }]));
      const state = log.fold();
      expect(names(state.list('Pod', { nodeName: 'node-1' }))).toEqual(['a-b/db-1']);
      expect(names(state.list('Pod', { nodeName: 'node-2' }))).toEqual(['default/web-1']);
    });

    it('drops deleted objects from every index', () => {
      const state = cluster().add('Pod/default/web-1', deleted()).add('Pod/a-b/db-1', deleted()).fold();
      expect(names(state.list('Pod'))).toEqual(['a/api-1', 'default/web-2']);
      expect(state.list('Pod', { nodeName: 'node-1' })).toEqual([]);
      expect(state.list('Pod', { namespace: 'a-b' })).toEqual([]);
      expect(state.count('Pod')).toBe(2);
    });
  });

  describe('apply', () => {
    it('returns the object before and after the event', () => {
      const log = cluster();
      const state = new ClusterState();
      const changes = log.events.map((e) => state.apply(e));
      expect(changes[0]).toEqual({ before: undefined, after: state.get('Namespace', undefined, 'default') });
      expect(changes[7].before?.spec.nodeName).toBeUndefined();
      expect(changes[7].after?.spec.nodeName).toBe('node-1');
    });

    it('ignores events at or before its position (idempotent by position)', () => {
      const log = cluster();
      const state = log.fold();
      const hash = state.stateHash();
      for (const e of log.events) expect(state.apply(e)).toEqual({});
      expect(state.apply({ ...log.events[9], type: 'ObjectDeleted', data: {} })).toEqual({});
      expect(state.stateHash()).toBe(hash);
      expect(state.position).toBe(10);
    });

    it('skips an event whose patch conflicts, advancing the position', () => {
      const state = cluster().add('Pod/default/web-2', updated('Pod', [{ op: 'remove', path: '/spec/nope' }])).fold();
      expect(state.position).toBe(11);
      expect(state.skipped).toEqual([{ position: 11, stream: 'Pod/default/web-2', reason: expect.stringContaining('/spec/nope') }]);
      expect(state.get('Pod', 'default', 'web-2')?.metadata.resourceVersion).toBe('4');
    });

    it('leaves objects handed out earlier as they were', () => {
      const log = cluster();
      const state = new ClusterState();
      log.events.slice(0, 5).forEach((e) => state.apply(e));
      const early = state.get('Pod', 'default', 'web-1')!;
      const copy = structuredClone(early);
      log.events.slice(5).forEach((e) => state.apply(e));
      expect(early).toEqual(copy);
    });
  });

  describe('stateHash', () => {
    it('is the same for the same log folded twice', () => {
      expect(cluster().fold().stateHash()).toBe(cluster().fold().stateHash());
    });

    it('does not depend on key insertion order', () => {
      const a = new Log().add('Node/n', created({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n', labels: { x: '1', y: '2' } } })).fold();
      const b = new Log().add('Node/n', created({ kind: 'Node', metadata: { labels: { y: '2', x: '1' }, name: 'n' }, apiVersion: 'v1' })).fold();
      expect(a.stateHash()).toBe(b.stateHash());
    });

    it('changes with any object and with the position', () => {
      const log = cluster();
      const base = log.fold().stateHash();
      expect(cluster().add('Pod/default/web-2', statusChanged('Pod', [{ op: 'replace', path: '/status/phase', value: 'Failed' }])).fold().stateHash()).not.toBe(base);
      const state = log.fold();
      state.apply(at(11, 'Pod/x/unknown', bound('n')));
      expect(state.stateHash()).not.toBe(base);
    });

    it('is a sha256 hex digest', () => {
      expect(new ClusterState().stateHash()).toMatch(/^[0-9a-f]{64}$/);
    });
  });

  describe('serialize / restore', () => {
    it('restores an equal state: same hash, lists and indexes', () => {
      const state = cluster().fold();
      const restored = ClusterState.restore(state.serialize());
      expect(restored.stateHash()).toBe(state.stateHash());
      expect(restored.position).toBe(10);
      expect(restored.list('Pod')).toEqual(state.list('Pod'));
      expect(names(restored.list('Pod', { nodeName: 'node-1' }))).toEqual(['a-b/db-1', 'default/web-1']);
      expect(restored.count('Pod')).toBe(4);
    });

    it('continues folding after a restore exactly like the original', () => {
      const log = cluster().add('Pod/default/web-2', bound('node-1')).add('Pod/default/web-1', deleted());
      const partial = new ClusterState();
      log.events.slice(0, 6).forEach((e) => partial.apply(e));
      const resumed = ClusterState.restore(partial.serialize());
      log.events.forEach((e) => resumed.apply(e));
      expect(resumed.stateHash()).toBe(log.fold().stateHash());
    });

    it('serialises equal states to the same bytes', () => {
      expect(cluster().fold().serialize()).toBe(ClusterState.restore(cluster().fold().serialize()).serialize());
    });

    it('rejects a snapshot of an unknown format', () => {
      expect(() => ClusterState.restore('{"v":99,"position":1,"objects":[]}')).toThrow(/format/);
    });
  });
});
