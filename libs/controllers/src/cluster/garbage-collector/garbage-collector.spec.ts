import { ObjectCache } from '@logbook/components';
import type { KubeObject, OwnerReference } from '@logbook/kube';
import { makeDeployment, makeObject, makePod, makeReplicaSet } from '../../../../kube/src/testing/builders';
import { CAUSE, at, fixture } from '../testing/fixture';
import { FOREGROUND_FINALIZER, type GarbageCollector, ORPHAN_FINALIZER, garbageCollectors } from './garbage-collector';

const T0 = '2026-01-01T00:00:00Z';
const ref = (kind: string, name: string, extra: Partial<OwnerReference> = {}): OwnerReference => ({
  apiVersion: kind === 'Pod' ? 'v1' : 'apps/v1',
  kind,
  name,
  uid: `uid-${kind.toLowerCase()}-${name}`,
  controller: true,
  ...extra,
});
const deploy = (finalizers?: string[]) => {
  const b = makeDeployment('web');
  return (finalizers ? b.with('metadata.deletionTimestamp', T0).with('metadata.finalizers', finalizers) : b).obj();
};
const rs = (...owners: OwnerReference[]) => makeReplicaSet('web-1').with('metadata.ownerReferences', owners.length ? owners : undefined).obj();
const pod = (name: string, ...owners: OwnerReference[]) => makePod(name).with('metadata.ownerReferences', owners).obj();
const collector = (kind: string, confirmAbsenceMs = 0): GarbageCollector => garbageCollectors({ confirmAbsenceMs }).find((c) => c.primaryKind === kind)!;

interface Case {
  name: string;
  objects: KubeObject[];
  kind: string;
  key: string;
  writes: string[];
  check?: (calls: any[]) => void;
}

describe('GarbageCollector.reconcile', () => {
  const cases: Case[] = [
    { name: 'a pod whose ReplicaSet exists stays', objects: [rs(), pod('p', ref('ReplicaSet', 'web-1'))], kind: 'Pod', key: 'default/p', writes: [] },
    {
      name: 'a pod whose only owner is gone is deleted in the background, uid as precondition',
      objects: [pod('p', ref('ReplicaSet', 'web-1'))],
      kind: 'Pod',
      key: 'default/p',
      writes: ['delete Pod/p'],
      check: (calls) => expect(calls[0].options).toEqual({ ...CAUSE, propagationPolicy: 'Background', preconditions: { uid: 'uid-pod-p' } }),
    },
    {
      name: 'an owner recreated under the same name (another uid) does not count',
      objects: [makeReplicaSet('web-1').with('metadata.uid', 'new-uid').obj(), pod('p', ref('ReplicaSet', 'web-1'))],
      kind: 'Pod',
      key: 'default/p',
      writes: ['delete Pod/p'],
    },
    {
      name: 'a ReplicaSet whose Deployment is gone is deleted',
      objects: [rs(ref('Deployment', 'web')), pod('p', ref('ReplicaSet', 'web-1'))],
      kind: 'ReplicaSet',
      key: 'default/web-1',
      writes: ['delete ReplicaSet/web-1'],
    },
    {
      name: 'with one owner left, only the missing owner reference goes',
      objects: [makeObject('v1', 'ConfigMap', 'keep', 'default').obj(), pod('p', ref('ReplicaSet', 'web-1'), ref('ConfigMap', 'keep', { controller: false }))],
      kind: 'Pod',
      key: 'default/p',
      writes: ['update Pod/p'],
      check: (calls) => expect(calls[0].object.metadata.ownerReferences).toEqual([ref('ConfigMap', 'keep', { controller: false })]),
    },
    { name: 'owners of kinds no collector watches are never taken for gone', objects: [pod('p', ref('Lease', 'db'))], kind: 'Pod', key: 'default/p', writes: [] },
    {
      name: 'a dependent of a foreground deletion that has dependents is deleted in the foreground',
      objects: [deploy([FOREGROUND_FINALIZER]), rs(ref('Deployment', 'web', { blockOwnerDeletion: true })), pod('p', ref('ReplicaSet', 'web-1'))],
      kind: 'ReplicaSet',
      key: 'default/web-1',
      writes: ['delete ReplicaSet/web-1'],
      check: (calls) => expect(calls[0].options.propagationPolicy).toBe('Foreground'),
    },
    {
      name: 'a foreground-deleting owner waits while a blocking dependent remains',
      objects: [deploy([FOREGROUND_FINALIZER]), rs(ref('Deployment', 'web', { blockOwnerDeletion: true }))],
      kind: 'Deployment',
      key: 'default/web',
      writes: [],
    },
    {
      name: 'a foreground-deleting owner loses its finalizer when no blocking dependent remains',
      objects: [deploy([FOREGROUND_FINALIZER, 'example.com/keep']), rs(ref('Deployment', 'web', { blockOwnerDeletion: false }))],
      kind: 'Deployment',
      key: 'default/web',
      writes: ['update Deployment/web'],
      check: (calls) => expect(calls[0].object.metadata.finalizers).toEqual(['example.com/keep']),
    },
    {
      name: 'an orphaning owner releases its dependents, then drops the orphan finalizer',
      objects: [deploy([ORPHAN_FINALIZER]), rs(ref('Deployment', 'web')), makeReplicaSet('web-2').with('metadata.ownerReferences', [ref('Deployment', 'web'), ref('ConfigMap', 'x', { controller: false })]).obj()],
      kind: 'Deployment',
      key: 'default/web',
      writes: ['update ReplicaSet/web-1', 'update ReplicaSet/web-2', 'update Deployment/web'],
      check: (calls) => {
        expect(calls[0].object.metadata.ownerReferences).toBeUndefined();
        expect(calls[1].object.metadata.ownerReferences).toEqual([ref('ConfigMap', 'x', { controller: false })]);
        expect(calls[2].object.metadata.finalizers).toEqual([]);
      },
    },
    {
      name: 'an object being deleted with other finalizers is left to them',
      objects: [makePod('p').with('metadata.deletionTimestamp', T0).with('metadata.finalizers', ['x']).with('metadata.ownerReferences', [ref('ReplicaSet', 'gone')]).obj()],
      kind: 'Pod',
      key: 'default/p',
      writes: [],
    },
  ];

  it.each(cases)('$name', async (c) => {
    const { ctx, client } = fixture(c.objects, T0);
    await collector(c.kind).reconcile(c.key, ctx);
    expect(client.summary).toEqual(c.writes);
    c.check?.(client.calls);
  });

  it('waits confirmAbsenceMs before believing an owner is gone (its event may just be late)', async () => {
    const gc = collector('Pod', 1000);
    const first = fixture([pod('p', ref('ReplicaSet', 'web-1'))], T0);
    expect(await gc.reconcile('default/p', first.ctx)).toEqual({ requeueAfterMs: 1000 });
    expect(first.client.calls).toEqual([]);
    const late = fixture([rs(), pod('p', ref('ReplicaSet', 'web-1'))], at(T0, 0.5));
    expect(await gc.reconcile('default/p', late.ctx)).toBeUndefined();
    expect(late.client.calls).toEqual([]);
    const gone = fixture([pod('p', ref('ReplicaSet', 'web-1'))], at(T0, 2));
    expect(await gc.reconcile('default/p', gone.ctx)).toEqual({ requeueAfterMs: 1000 });
    const stillGone = fixture([pod('p', ref('ReplicaSet', 'web-1'))], at(T0, 3));
    await gc.reconcile('default/p', stillGone.ctx);
    expect(stillGone.client.summary).toEqual(['delete Pod/p']);
  });
});

describe('GarbageCollector.keysFor', () => {
  const setup = () => {
    const objects = [deploy(), rs(ref('Deployment', 'web')), pod('a', ref('ReplicaSet', 'web-1')), pod('b', ref('ReplicaSet', 'web-1'))].map((o) => ({ ...o, metadata: { ...o.metadata, uid: `uid-${o.kind.toLowerCase()}-${o.metadata.name}` } }));
    const cache = new ObjectCache();
    cache.bootstrap(objects, 1);
    const gcs = garbageCollectors();
    const { ctx } = fixture([]);
    // Any reconcile builds the shared index from the cache.
    return { gcs, byKind: (k: string) => gcs.find((g) => g.primaryKind === k)!, build: () => gcs[0].reconcile('default/none', { ...ctx, cache }), objects };
  };

  it('fans an owner deletion out to its dependents of each kind', async () => {
    const { byKind, build, objects } = setup();
    await build();
    const change = { kind: 'ReplicaSet', before: objects[1] };
    expect(byKind('Pod').keysFor(change).sort()).toEqual(['default/a', 'default/b']);
    expect(byKind('ReplicaSet').keysFor(change)).toEqual([]);
    expect(byKind('Deployment').keysFor(change)).toEqual(['default/web']); // in case it waits in the foreground
  });

  it('queues the owner when a dependent goes (a foreground deletion may be waiting for it)', async () => {
    const { byKind, build, objects } = setup();
    await build();
    expect(byKind('ReplicaSet').keysFor({ kind: 'Pod', before: objects[2] })).toEqual(['default/web-1']);
    expect(byKind('Pod').keysFor({ kind: 'Pod', before: objects[3] })).toEqual([]);
  });

  it('queues a new object that names owners, and tracks it for later fan-out', async () => {
    const { byKind, build, objects } = setup();
    await build();
    const c = { ...pod('c', ref('ReplicaSet', 'web-1')), metadata: { ...pod('c', ref('ReplicaSet', 'web-1')).metadata, uid: 'uid-pod-c' } };
    const gcs = ['Pod', 'ReplicaSet'].map(byKind);
    expect(gcs.map((g) => g.keysFor({ kind: 'Pod', after: c }))).toEqual([['default/c'], []]);
    expect(byKind('Pod').keysFor({ kind: 'ReplicaSet', before: objects[1] }).sort()).toEqual(['default/a', 'default/b', 'default/c']);
  });
});
