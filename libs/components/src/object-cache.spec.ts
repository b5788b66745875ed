import type { KubeObject } from '@logbook/kube';
import { ObjectCache } from './object-cache';

const cm = (name: string, v: string, owner?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default', ...(owner ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Owner', name: 'o', uid: owner, controller: true }] } : {}) },
  data: { v },
});

describe('ObjectCache', () => {
  describe('when bootstrapped at position 10', () => {
    const make = () => {
      const cache = new ObjectCache();
      cache.bootstrap([cm('a', '1')], 10);
      return cache;
    };

    it('ignores events at or before the bootstrap position (already in the list)', () => {
      const cache = make();
      expect(cache.apply('ConfigMap/default/b', 'ConfigMap', 9, cm('b', 'old'))).toBeUndefined();
      expect(cache.get('ConfigMap', 'default', 'b')).toBeUndefined();
    });

    it('applies newer events and reports the change', () => {
      const cache = make();
      const change = cache.apply('ConfigMap/default/a', 'ConfigMap', 11, cm('a', '2'));
      expect(change?.before?.data.v).toBe('1');
      expect(change?.after?.data.v).toBe('2');
      expect(cache.get('ConfigMap', 'default', 'a')?.data.v).toBe('2');
    });

    it('is idempotent by position: a redelivered or older event changes nothing', () => {
      const cache = make();
      cache.apply('ConfigMap/default/a', 'ConfigMap', 12, cm('a', '3'));
      expect(cache.apply('ConfigMap/default/a', 'ConfigMap', 12, cm('a', '3'))).toBeUndefined();
      expect(cache.apply('ConfigMap/default/a', 'ConfigMap', 11, cm('a', '2'))).toBeUndefined();
      expect(cache.get('ConfigMap', 'default', 'a')?.data.v).toBe('3');
    });

    it('forgets a deleted object, and an older create cannot bring it back', () => {
      const cache = make();
      cache.apply('ConfigMap/default/a', 'ConfigMap', 13, null);
      expect(cache.list('ConfigMap')).toEqual([]);
      expect(cache.apply('ConfigMap/default/a', 'ConfigMap', 12, cm('a', '9'))).toBeUndefined();
    });

    it('finds dependents by owner uid', () => {
      const cache = make();
      cache.apply('ConfigMap/default/c', 'ConfigMap', 14, cm('c', '1', 'uid-1'));
      expect(cache.ownedBy('ConfigMap', 'default', 'uid-1').map((o) => o.metadata.name)).toEqual(['c']);
    });
  });

  describe('indexes', () => {
    const ref = (uid: string, controller: boolean) => ({ apiVersion: 'v1', kind: 'Owner', name: 'o', uid, controller });
    const obj = (name: string, namespace: string, refs: ReturnType<typeof ref>[] = []): KubeObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace, ...(refs.length ? { ownerReferences: refs } : {}) },
    });
    const names = (objs: KubeObject[]) => objs.map((o) => o.metadata.name).sort();
    const make = () => {
      const cache = new ObjectCache();
      cache.bootstrap([obj('a', 'ns1', [ref('u1', true)]), obj('b', 'ns1', [ref('u1', false)]), obj('c', 'ns1'), obj('d', 'ns2', [ref('u2', true)])], 5);
      return cache;
    };

    it('lists one namespace', () => {
      expect(names(make().list('ConfigMap', 'ns2'))).toEqual(['d']);
      expect(names(make().list('ConfigMap'))).toEqual(['a', 'b', 'c', 'd']);
    });

    it('finds controlled objects by the controller ownerReference only, and any owner for ownedBy', () => {
      const cache = make();
      expect(names(cache.controlledBy('ConfigMap', 'u1'))).toEqual(['a']);
      expect(names(cache.ownedBy('ConfigMap', 'ns1', 'u1'))).toEqual(['a', 'b']);
      expect(cache.controlledBy('Pod', 'u1')).toEqual([]);
    });

    it('lists the objects without a controller owner per namespace', () => {
      expect(names(make().uncontrolled('ConfigMap', 'ns1'))).toEqual(['b', 'c']);
    });

    it('follows updates and deletes', () => {
      const cache = make();
      cache.apply('ConfigMap/ns1/c', 'ConfigMap', 6, obj('c', 'ns1', [ref('u1', true)]));
      cache.apply('ConfigMap/ns1/a', 'ConfigMap', 7, obj('a', 'ns1'));
      cache.apply('ConfigMap/ns2/d', 'ConfigMap', 8, null);
      expect(names(cache.controlledBy('ConfigMap', 'u1'))).toEqual(['c']);
      expect(names(cache.uncontrolled('ConfigMap', 'ns1'))).toEqual(['a', 'b']);
      expect(cache.controlledBy('ConfigMap', 'u2')).toEqual([]);
      expect(cache.list('ConfigMap', 'ns2')).toEqual([]);
    });
  });
});
