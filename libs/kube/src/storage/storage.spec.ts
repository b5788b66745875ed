import { applyDefaults } from '../defaults';
import type { KubeObject } from '../object';
import { toTable } from '../table';
import { makeObject } from '../testing/builders';
import { validateObject } from '../validation/validate-object';
import { validateUpdate } from '../validation/validate-update';
import { accessModesString, storageBytes } from './storage';
import { findBestVolume, volumeFitsNode, withDefaultStorageClass } from './volume-matching';

const pv = (name: string, spec: object, extra: Record<string, unknown> = {}): KubeObject => {
  const b = makeObject('v1', 'PersistentVolume', name).with('spec', spec);
  for (const [k, v] of Object.entries(extra)) b.with(k, v);
  return applyDefaults(b.obj());
};
const pvc = (name: string, spec: object, extra: Record<string, unknown> = {}): KubeObject => {
  const b = makeObject('v1', 'PersistentVolumeClaim', name, 'default').with('metadata.uid', `uid-${name}`).with('spec', spec);
  for (const [k, v] of Object.entries(extra)) b.with(k, v);
  return applyDefaults(b.obj());
};
const sc = (name: string, extra: Record<string, unknown> = {}): KubeObject => {
  const b = makeObject('storage.k8s.io/v1', 'StorageClass', name).with('provisioner', 'logbook.io/local-path');
  for (const [k, v] of Object.entries(extra)) b.with(k, v);
  return applyDefaults(b.obj());
};
const causes = (o: KubeObject) => validateObject(o).map((c) => `${c.field}: ${c.message}`);
const hostPath = { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/data/a' } };
const claim = { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } };
const node = (name: string) => makeObject('v1', 'Node', name).labels({ 'kubernetes.io/hostname': name }).obj();
const onNode = (n: string) => ({ required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [n] }] }] } });

describe('PersistentVolume validation', () => {
  it.each([
    ['a valid hostPath volume', hostPath, []],
    ['a valid local volume with node affinity', { ...hostPath, hostPath: undefined, local: { path: '/mnt/a' }, nodeAffinity: onNode('n1') }, []],
    ['no access modes', { ...hostPath, accessModes: [] }, ['spec.accessModes: Required value']],
    ['an unknown access mode', { ...hostPath, accessModes: ['ReadWriteSometimes'] }, ['spec.accessModes: Unsupported value: "ReadWriteSometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"']],
    ['no capacity', { ...hostPath, capacity: undefined }, ['spec.capacity: Required value']],
    ['a capacity that is no quantity', { ...hostPath, capacity: { storage: 'lots' } }, [expect.stringMatching(/^spec.capacity\[storage\]: Invalid value: "lots": quantities must match/)]],
    ['no source', { ...hostPath, hostPath: undefined }, ['spec: Required value: must specify a volume type']],
    ['two sources', { ...hostPath, local: { path: '/mnt/a' }, nodeAffinity: onNode('n1') }, ['spec: Forbidden: may not specify more than 1 volume type']],
    ['a csi source', { ...hostPath, hostPath: undefined, csi: { driver: 'x', volumeHandle: 'h' } }, ['spec.csi: Forbidden: csi volumes are not supported by Logbook (supported volume types: hostPath, local)']],
    ['a local volume without node affinity', { ...hostPath, hostPath: undefined, local: { path: '/mnt/a' } }, ['spec.nodeAffinity: Required value: Local volume requires node affinity']],
    ['a relative path', { ...hostPath, hostPath: { path: 'data' } }, ['spec.hostPath.path: Invalid value: "data": must be an absolute path']],
    ['an unknown reclaim policy', { ...hostPath, persistentVolumeReclaimPolicy: 'Shred' }, ['spec.persistentVolumeReclaimPolicy: Unsupported value: "Shred": supported values: "Delete", "Recycle", "Retain"']],
  ])('%s', (_what, spec, expected) => {
    expect(causes(pv('v', spec))).toEqual(expected);
  });

  it('defaults reclaim policy Retain, volumeMode Filesystem and phase Pending', () => {
    const v = pv('v', hostPath);
    expect(v.spec).toMatchObject({ persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem' });
    expect(v.status).toEqual({ phase: 'Pending' });
  });

  it('keeps the source, volumeMode and a set node affinity on update', () => {
    const before = pv('v', { ...hostPath, hostPath: undefined, local: { path: '/mnt/a' }, nodeAffinity: onNode('n1') });
    const after = pv('v', { ...before.spec, local: { path: '/mnt/b' }, nodeAffinity: onNode('n2'), claimRef: { namespace: 'default', name: 'c' } });
    expect(validateUpdate(before, after).map((c) => c.field)).toEqual(['spec.persistentvolumesource', 'spec.nodeAffinity']);
    expect(validateUpdate(before, pv('v', { ...before.spec, claimRef: { namespace: 'default', name: 'c' } }))).toEqual([]);
  });
});

describe('PersistentVolumeClaim validation', () => {
  it.each([
    ['a valid claim', claim, []],
    ['no access modes', { ...claim, accessModes: undefined }, ['spec.accessModes: Required value: at least 1 access mode is required']],
    ['no storage request', { ...claim, resources: {} }, ['spec.resources[storage]: Required value']],
    ['a zero request', { ...claim, resources: { requests: { storage: '0' } } }, ['spec.resources[storage]: Invalid value: "0": must be greater than zero']],
    ['a bad class name', { ...claim, storageClassName: 'Fast_Disks' }, [expect.stringMatching(/^spec.storageClassName: Invalid value: "Fast_Disks": a lowercase RFC 1123 subdomain/)]],
  ])('%s', (_what, spec, expected) => {
    expect(causes(pvc('c', spec))).toEqual(expected);
  });

  it('is immutable except the binder filling volumeName, the default class, and a bound claim growing', () => {
    const created = pvc('c', claim);
    expect(validateUpdate(created, pvc('c', { ...claim, volumeName: 'pv-1', storageClassName: 'standard' }))).toEqual([]);
    expect(validateUpdate(created, pvc('c', { ...claim, accessModes: ['ReadWriteMany'] })).map((c) => c.message)).toEqual([
      'Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
    ]);
    const grown = { ...claim, resources: { requests: { storage: '2Gi' } } };
    expect(validateUpdate(created, pvc('c', grown))).toHaveLength(1); // not bound yet
    const bound = pvc('c', { ...claim, volumeName: 'pv-1' }, { status: { phase: 'Bound' } });
    expect(validateUpdate(bound, pvc('c', { ...grown, volumeName: 'pv-1' }))).toEqual([]);
    expect(validateUpdate(bound, pvc('c', { ...claim, volumeName: 'pv-1', resources: { requests: { storage: '512Mi' } } })).map((c) => c.field)).toEqual(['spec.resources.requests.storage']);
    expect(validateUpdate(bound, pvc('c', { ...claim, volumeName: 'pv-2' })).map((c) => c.field)).toEqual(['spec']);
  });

  it('defaults volumeMode and phase', () => {
    const c = pvc('c', claim);
    expect(c.spec.volumeMode).toBe('Filesystem');
    expect(c.status).toEqual({ phase: 'Pending' });
  });
});

describe('StorageClass validation', () => {
  it('needs a provisioner and known policies, defaults Delete and Immediate, and freezes them', () => {
    expect(causes(sc('s', { provisioner: undefined, reclaimPolicy: 'Recycle' }))).toEqual(['provisioner: Required value', 'reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"']);
    const s = sc('s');
    expect([s.reclaimPolicy, s.volumeBindingMode]).toEqual(['Delete', 'Immediate']);
    expect(validateUpdate(s, { ...s, provisioner: 'other', volumeBindingMode: 'WaitForFirstConsumer' }).map((c) => c.field)).toEqual(['provisioner', 'volumeBindingMode']);
  });
});

describe('Node podCIDR', () => {
  const withCidr = (cidrs: object) => applyDefaults(makeObject('v1', 'Node', 'n1').with('spec', cidrs).obj());
  it('fills podCIDRs from podCIDR, needs CIDRs, and may only go from "" to a value', () => {
    expect(withCidr({ podCIDR: '10.244.1.0/24' }).spec.podCIDRs).toEqual(['10.244.1.0/24']);
    expect(causes(withCidr({ podCIDR: '10.244.1.0' }))).toEqual(['spec.podCIDRs[0]: Invalid value: "10.244.1.0": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)']);
    expect(validateUpdate(withCidr({}), withCidr({ podCIDR: '10.244.1.0/24' }))).toEqual([]);
    expect(validateUpdate(withCidr({ podCIDR: '10.244.1.0/24' }), withCidr({ podCIDR: '10.244.2.0/24' }))).toEqual([
      { reason: 'FieldValueForbidden', field: 'spec.podCIDRs', message: 'Forbidden: node updates may not change podCIDR except from "" to valid' },
    ]);
  });
});

describe('tables', () => {
  const now = new Date('2024-01-01T12:00:00Z');
  const cells = (kind: string, o: KubeObject) => (toTable(kind, [o], { now, resourceVersion: '1' }) as any).rows[0].cells;
  const header = (kind: string) => (toTable(kind, [], { now, resourceVersion: '1' }) as any).columnDefinitions.filter((c: any) => !c.priority).map((c: any) => c.name.toUpperCase()).join(' | ');

  it('prints kubectl 1.32 columns for PersistentVolume, PersistentVolumeClaim and StorageClass', () => {
    expect(header('PersistentVolume')).toBe('NAME | CAPACITY | ACCESS MODES | RECLAIM POLICY | STATUS | CLAIM | STORAGECLASS | VOLUMEATTRIBUTESCLASS | REASON | AGE');
    expect(header('PersistentVolumeClaim')).toBe('NAME | STATUS | VOLUME | CAPACITY | ACCESS MODES | STORAGECLASS | VOLUMEATTRIBUTESCLASS | AGE');
    expect(header('StorageClass')).toBe('NAME | PROVISIONER | RECLAIMPOLICY | VOLUMEBINDINGMODE | ALLOWVOLUMEEXPANSION | AGE');
    const volume = pv('pvc-1', { ...hostPath, accessModes: ['ReadWriteMany', 'ReadWriteOnce'], storageClassName: 'standard', claimRef: { namespace: 'default', name: 'data' } }, { 'metadata.creationTimestamp': '2024-01-01T11:55:00Z', status: { phase: 'Bound' } });
    expect(cells('PersistentVolume', volume)).toEqual(['pvc-1', '1Gi', 'RWO,RWX', 'Retain', 'Bound', 'default/data', 'standard', '<unset>', '', '5m', 'Filesystem']);
    const bound = pvc('data', { ...claim, volumeName: 'pvc-1', storageClassName: 'standard' }, { 'metadata.creationTimestamp': '2024-01-01T11:55:00Z', status: { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] } });
    expect(cells('PersistentVolumeClaim', bound)).toEqual(['data', 'Bound', 'pvc-1', '1Gi', 'RWO', 'standard', '<unset>', '5m', 'Filesystem']);
    expect(cells('PersistentVolumeClaim', pvc('p', claim)).slice(0, 6)).toEqual(['p', 'Pending', '', '', '', '']);
    const standard = sc('standard', { 'metadata.annotations': { 'storageclass.kubernetes.io/is-default-class': 'true' }, volumeBindingMode: 'WaitForFirstConsumer', 'metadata.creationTimestamp': '2024-01-01T11:55:00Z' });
    expect(cells('StorageClass', standard)).toEqual(['standard (default)', 'logbook.io/local-path', 'Delete', 'WaitForFirstConsumer', false, '5m']);
  });
});

describe('volume matching', () => {
  const avail = (name: string, size: string, extra: object = {}) => pv(name, { ...hostPath, capacity: { storage: size }, storageClassName: 'manual', ...extra }, { status: { phase: 'Available' } });
  const want = (size: string, extra: object = {}) => pvc('c', { ...claim, storageClassName: 'manual', resources: { requests: { storage: size } }, ...extra });

  it.each([
    ['the smallest volume that is large enough', [avail('big', '10Gi'), avail('small', '1Gi'), avail('tiny', '500Mi')], want('1Gi'), 'small'],
    ['none when all are too small', [avail('tiny', '500Mi')], want('1Gi'), undefined],
    ['only the same class', [avail('other', '1Gi', { storageClassName: 'fast' })], want('1Gi'), undefined],
    ['only volumes with every requested access mode', [avail('rwo', '1Gi')], want('1Gi', { accessModes: ['ReadWriteMany'] }), undefined],
    ['only volumes the selector matches', [avail('a', '1Gi'), pv('b', { ...hostPath, storageClassName: 'manual', capacity: { storage: '2Gi' } }, { 'metadata.labels': { tier: 'db' } })], want('1Gi', { selector: { matchLabels: { tier: 'db' } } }), 'b'],
    ['not a volume bound to another claim', [avail('taken', '1Gi', { claimRef: { namespace: 'default', name: 'other', uid: 'x' } })], want('1Gi'), undefined],
    ['a volume pre-bound to the claim first, whatever its size', [avail('small', '1Gi'), avail('mine', '5Gi', { claimRef: { namespace: 'default', name: 'c' } })], want('1Gi'), 'mine'],
  ])('%s', (_what, volumes, c, expected) => {
    expect(findBestVolume(c, volumes)?.metadata.name).toBe(expected);
  });

  it('with a node, only volumes whose node affinity it satisfies', () => {
    const local = (name: string, n: string) => avail(name, '1Gi', { hostPath: undefined, local: { path: '/mnt' }, nodeAffinity: onNode(n) });
    expect(findBestVolume(want('1Gi'), [local('on-a', 'a'), local('on-b', 'b')], node('b'))?.metadata.name).toBe('on-b');
    expect(volumeFitsNode(local('on-a', 'a'), node('b'))).toBe(false);
  });

  it('admission gives a claim without a class the newest default class, and leaves "" alone', () => {
    const classes = [sc('old', { 'metadata.annotations': { 'storageclass.kubernetes.io/is-default-class': 'true' }, 'metadata.creationTimestamp': '2024-01-01T00:00:00Z' }), sc('new', { 'metadata.annotations': { 'storageclass.kubernetes.io/is-default-class': 'true' }, 'metadata.creationTimestamp': '2024-02-01T00:00:00Z' }), sc('plain')];
    expect(withDefaultStorageClass(pvc('c', claim), classes).spec.storageClassName).toBe('new');
    expect(withDefaultStorageClass(pvc('c', { ...claim, storageClassName: '' }), classes).spec.storageClassName).toBe('');
    expect(withDefaultStorageClass(pvc('c', claim), [sc('plain')]).spec.storageClassName).toBeUndefined();
  });

  it('parses storage quantities and prints access modes as kubectl does', () => {
    expect([storageBytes('1Gi'), storageBytes('500M'), storageBytes('1e3'), storageBytes('x')]).toEqual([1073741824, 5e8, 1000, undefined]);
    expect(accessModesString(['ReadWriteOncePod', 'ReadOnlyMany', 'ReadWriteOnce'])).toBe('RWO,ROX,RWOP');
  });
});
