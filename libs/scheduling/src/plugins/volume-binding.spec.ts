import { ObjectCache } from '@logbook/components';
import { type KubeObject, applyDefaults } from '@logbook/kube';
import { makeObject } from '../../../kube/src/testing/builders';
import { buildNodeInfos } from '../node-info';
import { buildProfile, DEFAULT_SCHEDULER_CONFIG } from '../registry';
import { schedule } from '../schedule';
import { makeNode, makePod } from '../testing/builders';
import { ERR_UNBOUND_IMMEDIATE, ERR_VOLUME_BIND_CONFLICT, ERR_VOLUME_NODE_CONFLICT, volumeBinding } from './volume-binding';

const claim = (name: string, extra: Record<string, unknown> = {}) => {
  const b = makeObject('v1', 'PersistentVolumeClaim', name, 'default').with('metadata.uid', `uid-${name}`).with('spec', { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } });
  for (const [k, v] of Object.entries(extra)) b.with(k, v);
  return applyDefaults(b.obj());
};
const localVolume = (name: string, node: string, extra: Record<string, unknown> = {}) => {
  const b = makeObject('v1', 'PersistentVolume', name).with('spec', {
    capacity: { storage: '1Gi' },
    accessModes: ['ReadWriteOnce'],
    local: { path: '/mnt' },
    nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } },
  });
  for (const [k, v] of Object.entries(extra)) b.with(k, v);
  return applyDefaults(b.obj());
};
const sc = (name: string, provisioner: string, mode: string) => makeObject('storage.k8s.io/v1', 'StorageClass', name).with('provisioner', provisioner).with('volumeBindingMode', mode).obj();
const withDir = (name: string) => makeNode(name).with('metadata.annotations', { 'logbook.io/volumes-dir': `/var/${name}` }).obj();
const podWith = (...claims: string[]) => makePod('app').with('spec.volumes', claims.map((c, i) => ({ name: `v${i}`, persistentVolumeClaim: { claimName: c } }))).obj();

function cacheOf(objects: KubeObject[]): ObjectCache {
  const cache = new ObjectCache();
  cache.bootstrap(objects.map((o) => ({ ...o, metadata: { resourceVersion: '1', ...o.metadata } })), 1);
  return cache;
}

const NODES = [withDir('a'), withDir('b'), makeNode('c').obj()];

describe('VolumeBinding', () => {
  it.each<[string, KubeObject[], KubeObject, string]>([
    ['a pod without claims fits everywhere', [], makePod('app').obj(), 'a'],
    ['a missing claim is unresolvable on every node', [], podWith('data'), '0/3 nodes are available: persistentvolumeclaim "data" not found.'],
    ['a claim being deleted too', [claim('data', { 'metadata.deletionTimestamp': '2026-01-01T00:00:00Z' })], podWith('data'), '0/3 nodes are available: persistentvolumeclaim "data" is being deleted.'],
    ['an unbound claim of an Immediate class waits', [sc('fast', 'logbook.io/local-path', 'Immediate'), claim('data', { 'spec.storageClassName': 'fast' })], podWith('data'), `0/3 nodes are available: ${ERR_UNBOUND_IMMEDIATE}.`],
    ['an unbound claim without a class waits', [claim('data', { 'spec.storageClassName': '' })], podWith('data'), `0/3 nodes are available: ${ERR_UNBOUND_IMMEDIATE}.`],
    ['a claim bound to a local volume pins the pod to its node', [localVolume('pv-b', 'b'), claim('data', { 'spec.volumeName': 'pv-b' })], podWith('data'), 'b'],
    ['a bound volume on no node that exists fits nowhere', [localVolume('pv-z', 'z'), claim('data', { 'spec.volumeName': 'pv-z' })], podWith('data'), `0/3 nodes are available: 3 ${ERR_VOLUME_NODE_CONFLICT}.`],
    ['WaitForFirstConsumer local-path fits the nodes that publish a volumes directory', [sc('standard', 'logbook.io/local-path', 'WaitForFirstConsumer'), claim('data', { 'spec.storageClassName': 'standard' })], podWith('data'), 'a'],
    ['WaitForFirstConsumer static class fits only nodes with a matching volume', [sc('local', 'kubernetes.io/no-provisioner', 'WaitForFirstConsumer'), localVolume('pv-c', 'c', { 'spec.storageClassName': 'local' }), claim('data', { 'spec.storageClassName': 'local' })], podWith('data'), 'c'],
  ])('%s', (_what, objects, pod, expected) => {
    const cache = cacheOf(objects);
    const profile = buildProfile(DEFAULT_SCHEDULER_CONFIG, undefined, { lister: () => cache });
    const result = schedule(pod, buildNodeInfos(NODES, []), profile);
    expect(result.node ?? result.reasons).toBe(expected);
  });

  it('says which nodes cannot bind a WaitForFirstConsumer static claim', () => {
    const cache = cacheOf([sc('local', 'kubernetes.io/no-provisioner', 'WaitForFirstConsumer'), claim('data', { 'spec.storageClassName': 'local' })]);
    const plugin = volumeBinding(() => cache);
    const pod = podWith('data');
    expect(plugin.preFilter!(pod).code).toBe('Success');
    expect(plugin.filter(pod, buildNodeInfos([withDir('a')], [])[0])).toEqual({ code: 'Unschedulable', reasons: [ERR_VOLUME_BIND_CONFLICT] });
  });
});
