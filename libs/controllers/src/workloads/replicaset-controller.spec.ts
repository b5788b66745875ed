import { NO_EVENTS, ObjectCache } from '@logbook/components';
import type { KubeObject } from '@logbook/kube';
import { makePod, makeReplicaSet } from '../../../kube/src/testing/builders';
import { ReplicaSetController } from './replicaset-controller';
import { FakeClusterClient } from './testing/fake-client';

const NOW = new Date('2024-01-01T00:10:00Z');
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function rs(replicas: number, extra: (b: ReturnType<typeof makeReplicaSet>) => unknown = () => undefined): KubeObject {
  const b = makeReplicaSet('web-abc').replicas(replicas).with('metadata.uid', 'rs-uid').with('metadata.generation', 1);
  extra(b);
  return b.obj();
}

const owner = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: 'rs-uid', controller: true, blockOwnerDeletion: true };

function pod(name: string, opts: { ready?: boolean; node?: string; phase?: string; created?: string; readySince?: string; labels?: Record<string, string>; orphan?: boolean; deleting?: boolean } = {}): KubeObject {
  const b = makePod(name)
    .labels(opts.labels ?? { app: 'web-abc' })
    .with('metadata.uid', `uid-${name}`)
    .with('metadata.resourceVersion', '7')
    .created(opts.created ?? '2024-01-01T00:00:00Z')
    .with('status.phase', opts.phase ?? (opts.ready ? 'Running' : 'Pending'));
  if (!opts.orphan) b.with('metadata.ownerReferences', [owner]);
  if (opts.node ?? opts.ready) b.with('spec.nodeName', opts.node ?? 'n1');
  if (opts.ready) b.with('status.conditions', [{ type: 'Ready', status: 'True', lastTransitionTime: opts.readySince ?? '2024-01-01T00:01:00Z' }]);
  if (opts.deleting) b.with('metadata.deletionTimestamp', '2024-01-01T00:09:00Z');
  return b.obj();
}

async function run(objects: KubeObject[], controller = new ReplicaSetController()) {
  const cache = new ObjectCache();
  const withRv = objects.map((o) => ({ ...o, metadata: { resourceVersion: '7', ...o.metadata } }));
  cache.bootstrap(withRv, 1);
  const client = new FakeClusterClient(() => NOW, withRv);
  const result = await controller.reconcile('default/web-abc', { cache, client, cause: { causationId: 'ev-1', correlationId: 'req-1' }, now: () => NOW, log: quiet, recorder: NO_EVENTS });
  return { client, result, controller, cache };
}

describe('ReplicaSetController.reconcile', () => {
  it.each([
    { name: 'creates the missing pods from the template', replicas: 3, pods: [pod('a', { ready: true })], creates: 2, deletes: [] as string[] },
    { name: 'does nothing when the count is right', replicas: 1, pods: [pod('a', { ready: true })], creates: 0, deletes: [] },
    { name: 'ignores terminated and deleting pods when counting', replicas: 2, pods: [pod('a', { ready: true }), pod('b', { phase: 'Failed' }), pod('c', { deleting: true })], creates: 1, deletes: [] },
    {
      name: 'scales down unscheduled, then pending, then not ready, then newest-ready first',
      replicas: 1,
      pods: [
        pod('old-ready', { ready: true, readySince: '2024-01-01T00:01:00Z' }),
        pod('new-ready', { ready: true, readySince: '2024-01-01T00:05:00Z' }),
        pod('running-not-ready', { node: 'n1', phase: 'Running' }),
        pod('pending', { node: 'n1' }),
        pod('unscheduled'),
      ],
      creates: 0,
      deletes: ['unscheduled', 'pending', 'running-not-ready', 'new-ready'],
    },
  ])('$name', async ({ replicas, pods, creates, deletes }) => {
    const { client } = await run([rs(replicas), ...pods]);
    const created = client.of('create', 'Pod');
    expect(created).toHaveLength(creates);
    for (const w of created) {
      const p = (w as { obj: KubeObject }).obj;
      expect(p.metadata.name).toMatch(/^web-abc-/);
      expect(p.metadata.labels).toEqual({ app: 'web-abc' });
      expect(p.metadata.ownerReferences).toEqual([owner]);
      expect(p.metadata.namespace).toBe('default');
    }
    expect(client.of('delete', 'Pod').map((w) => w.name)).toEqual(deletes);
    expect(client.causes.every((c) => c.correlationId === 'req-1')).toBe(true);
  });

  it('creates at most a burst per reconcile, in slow-start batches that stop at the first failure', async () => {
    const { client } = await run([rs(1000)], new ReplicaSetController({ burstReplicas: 100 }));
    expect(client.of('create', 'Pod')).toHaveLength(100);

    const cache = new ObjectCache();
    cache.bootstrap([rs(10)], 1);
    const failing = new FakeClusterClient(() => NOW, [rs(10)]);
    let calls = 0;
    failing.create = async () => {
      calls++;
      throw new Error('quota exceeded');
    };
    const controller = new ReplicaSetController();
    await expect(controller.reconcile('default/web-abc', { cache, client: failing, cause: {}, now: () => NOW, log: quiet, recorder: NO_EVENTS })).rejects.toThrow('quota');
    expect(calls).toBe(1);
    const status = failing.of('updateStatus', 'ReplicaSet')[0] as { obj: KubeObject };
    expect(status.obj.status.conditions).toEqual([expect.objectContaining({ type: 'ReplicaFailure', reason: 'FailedCreate' })]);
  });

  it('waits for its creations to reach the cache before counting again (expectations)', async () => {
    const { controller, cache } = await run([rs(2)]);
    const client = new FakeClusterClient(() => NOW, [cache.get('ReplicaSet', 'default', 'web-abc')!]);
    await controller.reconcile('default/web-abc', { cache, client, cause: {}, now: () => NOW, log: quiet, recorder: NO_EVENTS });
    expect(client.of('create', 'Pod')).toHaveLength(0);
  });

  it('adopts matching orphans and releases owned pods whose labels no longer match', async () => {
    const { client } = await run([rs(2), pod('orphan', { orphan: true, ready: true }), pod('mine', { ready: true }), pod('moved', { ready: true, labels: { app: 'other' } }), pod('stranger', { orphan: true, labels: { app: 'x' } })]);
    const updates = client.of('update', 'Pod') as { name: string; obj: KubeObject }[];
    expect(updates.map((u) => u.name).sort()).toEqual(['moved', 'orphan']);
    expect(updates.find((u) => u.name === 'orphan')!.obj.metadata.ownerReferences).toEqual([owner]);
    expect(updates.find((u) => u.name === 'moved')!.obj.metadata.ownerReferences).toBeUndefined();
    expect(client.of('create', 'Pod')).toHaveLength(0);
  });

  it('reports status only when it changed, with availability after minReadySeconds', async () => {
    const pods = [pod('a', { ready: true, readySince: '2024-01-01T00:09:50Z' }), pod('b', { ready: true, readySince: '2024-01-01T00:00:00Z' })];
    const { client, result } = await run([rs(2, (b) => b.with('spec.minReadySeconds', 30)), ...pods]);
    const w = client.of('updateStatus', 'ReplicaSet')[0] as { obj: KubeObject };
    expect(w.obj.status).toEqual({ replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 1, observedGeneration: 1 });
    expect(result).toEqual({ requeueAfterMs: 20_000 });

    const again = await run([rs(2, (b) => b.with('status', w.obj.status).with('spec.minReadySeconds', 30)), ...pods]);
    expect(again.client.writes).toEqual([]);
  });

  it('does nothing for a missing or deleting ReplicaSet', async () => {
    expect((await run([pod('a')])).client.writes).toEqual([]);
    const { client } = await run([rs(3, (b) => b.with('metadata.deletionTimestamp', '2024-01-01T00:09:00Z'))]);
    expect(client.of('create', 'Pod')).toHaveLength(0);
  });

  it('maps pod changes to the owning ReplicaSet and orphans to the ones that can adopt them', () => {
    const c = new ReplicaSetController();
    const cache = new ObjectCache();
    cache.bootstrap([rs(1)], 1);
    expect(c.keysFor({ kind: 'Pod', after: pod('a') }, cache)).toEqual(['default/web-abc']);
    expect(c.keysFor({ kind: 'Pod', after: pod('o', { orphan: true }) }, cache)).toEqual(['default/web-abc']);
    expect(c.keysFor({ kind: 'Pod', after: pod('o', { orphan: true, labels: { app: 'x' } }) }, cache)).toEqual([]);
    expect(c.keysFor({ kind: 'ReplicaSet', after: rs(1) })).toEqual(['default/web-abc']);
  });
});
