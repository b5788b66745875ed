import type { KubeObject } from '@logbook/kube';
import { otherNodes } from './claims';

const pv = (terms: object[] | undefined): KubeObject => ({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv1' }, spec: { local: { path: '/d' }, ...(terms ? { nodeAffinity: { required: { nodeSelectorTerms: terms } } } : {}) } });
const host = (...values: string[]) => ({ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values }] });

describe('otherNodes (a local PV pinned elsewhere)', () => {
  it('is nothing for an unpinned PV or one pinned to this node', () => {
    expect(otherNodes(pv(undefined), 'n1')).toBeUndefined();
    expect(otherNodes(pv([host('n1', 'n2')]), 'n1')).toBeUndefined();
    expect(otherNodes(pv([host('n2'), host('n1')]), 'n1')).toBeUndefined();
  });

  it('names the nodes it is pinned to', () => {
    expect(otherNodes(pv([host('n2'), host('n3')]), 'n1')).toBe('"n2", "n3"');
  });

  it('leaves affinities it cannot judge to the scheduler', () => {
    expect(otherNodes(pv([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }]), 'n1')).toBeUndefined();
  });
});
