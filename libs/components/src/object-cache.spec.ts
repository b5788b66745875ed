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
});
