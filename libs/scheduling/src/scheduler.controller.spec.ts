import { ClientError, ObjectCache, type ReconcileContext, RecordedEvents, streamOf } from '@logbook/components';
import type { KubeObject } from '@logbook/kube';
import { SchedulerController } from './scheduler.controller';
import { FakeClusterClient, silentLog } from './testing/fake-cluster-client';
import { makeNode, makePod } from './testing/builders';

const T0 = new Date('2026-01-01T00:00:00Z');

function setup(objects: KubeObject[]) {
  const cache = new ObjectCache();
  cache.bootstrap(objects, 100);
  const client = new FakeClusterClient();
  const controller = new SchedulerController();
  let now = T0;
  let position = 100;
  const events = new RecordedEvents();
  const ctx: ReconcileContext = { cache, client, cause: { causationId: 'ev-1', correlationId: 'req-1' }, now: () => now, log: silentLog, recorder: events };
  /** Applies a change to the cache the way the host does, and returns the keys keysFor gives. */
  const change = (obj: KubeObject, deleted = false) => {
    const c = cache.apply(streamOf(obj), obj.kind, ++position, deleted ? null : obj);
    return c ? controller.keysFor(c) : [];
  };
  const advance = (ms: number) => (now = new Date(now.getTime() + ms));
  return { cache, client, controller, ctx, change, advance, events };
}

const bigNode = (name: string) => makeNode(name).capacity({ cpu: '8', memory: '32Gi' }).resourceVersion('1').obj();

describe('SchedulerController with claims', () => {
  it('keeps a pod whose claim is missing Pending with kube\'s message, and retries it when the claim appears', async () => {
    const pod = makePod('db').with('spec.volumes', [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }]).resourceVersion('7').obj();
    const { client, controller, ctx, change, events } = setup([bigNode('n1'), pod]);
    await controller.reconcile('default/db', ctx);
    expect(events.lines()).toEqual(['Warning FailedScheduling 0/1 nodes are available: persistentvolumeclaim "data" not found.']);
    const claim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'default', resourceVersion: '8' }, spec: { storageClassName: 'standard' } };
    const standard = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'standard', resourceVersion: '9' }, provisioner: 'example.com/disks', volumeBindingMode: 'WaitForFirstConsumer' };
    expect(change(standard)).toEqual(['default/db']);
    expect(change(claim)).toEqual(['default/db']);
    await controller.reconcile('default/db', ctx);
    expect(client.binds.map((b) => b.nodeName)).toEqual(['n1']);
  });
});

describe('SchedulerController.reconcile', () => {
  it('binds to the least allocated fitting node with the pod resourceVersion and the cause', async () => {
    const { client, controller, ctx } = setup([
      makeNode('tiny').capacity({ cpu: '500m' }).obj(),
      makeNode('busy').capacity({ cpu: '4' }).obj(),
      makeNode('free').capacity({ cpu: '4' }).obj(),
      makePod('running').requests({ cpu: '2' }).nodeName('busy').obj(),
      makePod('web').requests({ cpu: '1' }).resourceVersion('42').obj(),
    ]);
    await controller.reconcile('default/web', ctx);
    expect(client.binds).toEqual([{ namespace: 'default', name: 'web', nodeName: 'free', resourceVersion: '42', cause: { causationId: 'ev-1', correlationId: 'req-1' } }]);
    expect(client.statusUpdates).toEqual([]);
  });

  it('records Scheduled on the pod once it is bound, and FailedScheduling with the reasons on every failed attempt', async () => {
    const { controller, ctx, events } = setup([
      makeNode('n1').capacity({ cpu: '2' }).obj(),
      makePod('fits').requests({ cpu: '1' }).namespace('shop').obj(),
      makePod('huge').requests({ cpu: '8' }).obj(),
    ]);
    await controller.reconcile('shop/fits', ctx);
    await controller.reconcile('default/huge', ctx);
    await controller.reconcile('default/huge', ctx);
    expect(events.events.map((e) => [e.involvedObject.name, e.type, e.reason, e.message])).toEqual([
      ['fits', 'Normal', 'Scheduled', 'Successfully assigned shop/fits to n1'],
      ['huge', 'Warning', 'FailedScheduling', '0/1 nodes are available: 1 Insufficient cpu.'],
      ['huge', 'Warning', 'FailedScheduling', '0/1 nodes are available: 1 Insufficient cpu.'],
    ]);
    expect(events.events[0].cause).toEqual({ causationId: 'ev-1', correlationId: 'req-1' });
  });

  it('records nothing when the binding loses to another scheduler', async () => {
    const { client, controller, ctx, events } = setup([makeNode('n1').obj(), makePod('p').obj()]);
    client.failBind = new ClientError(409, 'Conflict', 'already bound');
    await controller.reconcile('default/p', ctx);
    expect(events.events).toEqual([]);
  });

  it.each([
    { name: 'already bound', pod: makePod('p').nodeName('n1').obj() },
    { name: 'being deleted', pod: makePod('p').with('metadata.deletionTimestamp', T0.toISOString()).obj() },
    { name: 'for another scheduler', pod: makePod('p').with('spec.schedulerName', 'other').obj() },
  ])('leaves a pod alone when it is $name', async ({ pod }) => {
    const { client, controller, ctx } = setup([makeNode('n1').obj(), pod]);
    await controller.reconcile('default/p', ctx);
    expect(client.binds).toEqual([]);
    expect(client.statusUpdates).toEqual([]);
  });

  it('does nothing for a pod that is gone', async () => {
    const { client, controller, ctx } = setup([makeNode('n1').obj()]);
    await controller.reconcile('default/gone', ctx);
    expect(client.binds).toEqual([]);
  });

  it('never overcommits a node across reconciles made before the cache shows the bindings', async () => {
    const { client, controller, ctx, change } = setup([
      makeNode('n1').capacity({ cpu: '4' }).obj(),
      makeNode('n2').capacity({ cpu: '4' }).obj(),
      makePod('a').requests({ cpu: '3' }).resourceVersion('1').obj(),
      makePod('b').requests({ cpu: '3' }).resourceVersion('2').obj(),
      makePod('c').requests({ cpu: '3' }).resourceVersion('3').obj(),
    ]);
    await controller.reconcile('default/a', ctx);
    await controller.reconcile('default/b', ctx);
    await controller.reconcile('default/c', ctx);
    expect(client.binds.map((b) => [b.name, b.nodeName])).toEqual([
      ['a', 'n1'],
      ['b', 'n2'],
    ]);
    expect(client.statusUpdates[0].status.conditions[0].message).toBe('0/2 nodes are available: 2 Insufficient cpu.');

    // The cache catches up: the bound pod replaces the assumption and is counted once.
    change(makePod('a').requests({ cpu: '3' }).nodeName('n1').resourceVersion('4').obj());
    change(makePod('d').requests({ cpu: '1' }).resourceVersion('5').obj());
    await controller.reconcile('default/d', ctx);
    expect(client.binds.map((b) => [b.name, b.nodeName])).toContainEqual(['d', 'n1']);
  });

  it('does not schedule a pod again while its binding is in flight', async () => {
    const { client, controller, ctx } = setup([makeNode('n1').obj(), makePod('a').obj()]);
    await controller.reconcile('default/a', ctx);
    await controller.reconcile('default/a', ctx);
    expect(client.binds).toHaveLength(1);
  });

  it('drops an assumption the cache never confirms after the TTL', async () => {
    const { client, controller, ctx, advance } = setup([makeNode('n1').capacity({ cpu: '4' }).obj(), makePod('a').requests({ cpu: '3' }).obj(), makePod('b').requests({ cpu: '3' }).obj()]);
    await controller.reconcile('default/a', ctx);
    await controller.reconcile('default/b', ctx);
    expect(client.binds.map((b) => b.name)).toEqual(['a']);
    advance(30_001);
    await controller.reconcile('default/b', ctx);
    expect(client.binds.map((b) => b.name)).toEqual(['a', 'b']);
  });

  it('takes a 409 on bind calmly and forgets the assumption', async () => {
    const { client, controller, ctx } = setup([makeNode('n1').capacity({ cpu: '4' }).obj(), makePod('a').requests({ cpu: '3' }).obj(), makePod('b').requests({ cpu: '3' }).obj()]);
    client.failBind = new ClientError(409, 'Conflict', 'the object has been modified');
    await expect(controller.reconcile('default/a', ctx)).resolves.toBeUndefined();
    client.failBind = undefined;
    await controller.reconcile('default/b', ctx);
    expect(client.binds.map((b) => [b.name, b.nodeName])).toEqual([['b', 'n1']]);
  });

  it('rethrows other bind failures (the host retries with back-off)', async () => {
    const { client, controller, ctx } = setup([makeNode('n1').obj(), makePod('a').obj()]);
    client.failBind = new ClientError(500, 'InternalError', 'boom');
    await expect(controller.reconcile('default/a', ctx)).rejects.toThrow('boom');
  });

  it('marks an unschedulable pod once, and binds it when a big-enough node registers', async () => {
    const { cache, client, controller, ctx, change } = setup([
      makeNode('n1').capacity({ cpu: '1' }).obj(),
      makeNode('n2').capacity({ cpu: '1' }).obj(),
      makeNode('n3').capacity({ cpu: '1' }).obj(),
      makeNode('n4').ready('Unknown').taints({ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }).obj(),
      makeNode('n5').ready('Unknown').taints({ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }).obj(),
      makePod('big').requests({ cpu: '6' }).resourceVersion('7').obj(),
    ]);
    await controller.reconcile('default/big', ctx);
    expect(client.binds).toEqual([]);
    expect(client.statusUpdates).toHaveLength(1);
    const written = client.statusUpdates[0];
    expect(written.metadata.resourceVersion).toBe('7');
    expect(written.status.phase).toBe('Pending');
    expect(written.status.conditions).toEqual([
      {
        type: 'PodScheduled',
        status: 'False',
        reason: 'Unschedulable',
        message: '0/5 nodes are available: 2 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 3 Insufficient cpu.',
        lastProbeTime: null,
        lastTransitionTime: T0.toISOString(),
      },
    ]);
    expect(controller.unschedulableKeys).toEqual(['default/big']);

    // Our own status write comes back as an event: one more cycle, no second write.
    expect(change({ ...written, metadata: { ...written.metadata, resourceVersion: '8' } })).toEqual(['default/big']);
    await controller.reconcile('default/big', ctx);
    expect(client.statusUpdates).toHaveLength(1);

    // A heartbeat changes nothing that could help.
    const n1 = cache.get('Node', undefined, 'n1')!;
    expect(change({ ...n1, status: { ...n1.status, conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: 'later' }] } })).toEqual([]);

    // A big-enough node registers: the pod is queued again and bound there.
    expect(change(bigNode('big-node'))).toEqual(['default/big']);
    await controller.reconcile('default/big', ctx);
    expect(client.binds.map((b) => [b.name, b.nodeName, b.resourceVersion])).toEqual([['big', 'big-node', '8']]);
    expect(controller.unschedulableKeys).toEqual([]);
  });
});

describe('SchedulerController.keysFor', () => {
  const pending = makePod('p').obj();

  it.each([
    { name: 'an unbound pod appears', before: undefined, after: pending, want: ['default/p'] },
    { name: 'a pod is bound', before: pending, after: makePod('p').nodeName('n1').obj(), want: [] },
    { name: 'a pod for another scheduler', before: undefined, after: makePod('p').with('spec.schedulerName', 'custom').obj(), want: [] },
    { name: 'an unbound pod is being deleted', before: pending, after: makePod('p').with('metadata.deletionTimestamp', T0.toISOString()).obj(), want: [] },
  ])('Pod: $name', ({ before, after, want }) => {
    const controller = new SchedulerController();
    expect(controller.keysFor({ kind: 'Pod', before, after })).toEqual(want);
  });

  describe('with an unschedulable pod waiting', () => {
    const waiting = async () => {
      const s = setup([makeNode('n1').capacity({ cpu: '1' }).obj(), makePod('w').requests({ cpu: '2' }).obj(), makePod('r').requests({ cpu: '1' }).nodeName('n1').phase('Running').obj()]);
      await s.controller.reconcile('default/w', s.ctx);
      expect(s.controller.unschedulableKeys).toEqual(['default/w']);
      s.change(s.client.statusUpdates[0]); // our write comes back as an event
      return s;
    };
    const node = makeNode('n1').capacity({ cpu: '1' }).obj();
    const running = makePod('r').requests({ cpu: '1' }).nodeName('n1').phase('Running').obj();

    it.each([
      { name: 'Node added', kind: 'Node', before: undefined, after: makeNode('n9').obj(), want: ['default/w'] },
      { name: 'Node became Ready', kind: 'Node', before: makeNode('n1').ready('False').obj(), after: node, want: ['default/w'] },
      { name: 'Node capacity grew', kind: 'Node', before: node, after: makeNode('n1').capacity({ cpu: '4' }).obj(), want: ['default/w'] },
      { name: 'Node taints changed', kind: 'Node', before: makeNode('n1').taints({ key: 'k', effect: 'NoSchedule' }).obj(), after: node, want: ['default/w'] },
      { name: 'Node uncordoned', kind: 'Node', before: makeNode('n1').unschedulable().obj(), after: node, want: ['default/w'] },
      { name: 'Node deleted', kind: 'Node', before: node, after: undefined, want: [] },
      { name: 'Node heartbeat only', kind: 'Node', before: node, after: makeNode('n1').capacity({ cpu: '1' }).with('status.conditions', [{ type: 'Ready', status: 'True', lastHeartbeatTime: 'x' }]).obj(), want: [] },
      { name: 'bound pod deleted', kind: 'Pod', before: running, after: undefined, want: ['default/w'] },
      { name: 'bound pod Succeeded', kind: 'Pod', before: running, after: makePod('r').requests({ cpu: '1' }).nodeName('n1').phase('Succeeded').obj(), want: ['default/w'] },
      { name: 'bound pod Failed', kind: 'Pod', before: running, after: makePod('r').requests({ cpu: '1' }).nodeName('n1').phase('Failed').obj(), want: ['default/w'] },
      { name: 'bound pod status change', kind: 'Pod', before: running, after: makePod('r').requests({ cpu: '1' }).nodeName('n1').phase('Running').with('status.podIP', '10.0.0.1').obj(), want: [] },
    ])('$name', async ({ kind, before, after, want }) => {
      const { controller } = await waiting();
      expect(controller.keysFor({ kind, before, after })).toEqual(want);
    });

    it('forgets a waiting pod that is deleted', async () => {
      const { controller } = await waiting();
      expect(controller.keysFor({ kind: 'Pod', before: makePod('w').obj(), after: undefined })).toEqual([]);
      expect(controller.unschedulableKeys).toEqual([]);
    });

    it('binds the waiting pod once a bound pod leaves its node', async () => {
      const { controller, ctx, client, change } = await waiting();
      expect(change(running, true)).toEqual(['default/w']);
      await controller.reconcile('default/w', ctx);
      expect(client.statusUpdates).toHaveLength(1);
      // still 2 CPU > 1: stays unschedulable; a bigger node lets it in
      expect(change(makeNode('n1').capacity({ cpu: '2' }).obj())).toEqual(['default/w']);
      await controller.reconcile('default/w', ctx);
      expect(client.binds.map((b) => b.nodeName)).toEqual(['n1']);
    });
  });
});
