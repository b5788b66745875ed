import type { KubeObject } from '@logbook/kube';
import { makeObject, makePod } from '../../../../kube/src/testing/builders';
import { at, CAUSE, fixture } from '../testing/fixture';
import { NodeLifecycleController } from './node-lifecycle-controller';

const T0 = '2026-01-01T00:00:00Z';
const UNREACHABLE_NE = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: T0 };
const UNREACHABLE_NS = { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule', timeAdded: T0 };

const node = (ready: string, heartbeat: string, taints?: object[]) =>
  makeObject('v1', 'Node', 'n1')
    .with('metadata.creationTimestamp', T0)
    .with('spec.taints', taints)
    .with('status.conditions', [
      { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', lastHeartbeatTime: heartbeat },
      { type: 'Ready', status: ready, reason: 'KubeletReady', lastHeartbeatTime: heartbeat, lastTransitionTime: T0 },
    ])
    .obj();
const podOn = (name: string, nodeName: string, tolerations?: object[]) => makePod(name).with('spec.nodeName', nodeName).with('spec.tolerations', tolerations).obj();

const controller = () => new NodeLifecycleController({ gracePeriodMs: 40_000, defaultEvictionSeconds: 300, resyncMs: 20_000, startedAt: new Date(0) });

interface Case {
  name: string;
  objects: KubeObject[];
  now: string;
  writes: string[];
  taints?: object[] | 'none';
  requeueAfterMs: number;
}

describe('NodeLifecycleController.reconcile', () => {
  const cases: Case[] = [
    { name: 'a fresh heartbeat changes nothing; next check when it would go stale', objects: [node('True', T0)], now: at(T0, 30), writes: [], requeueAfterMs: 10_001 },
    { name: 'a recent heartbeat is re-checked at least every resync', objects: [node('True', T0)], now: at(T0, 5), writes: [], requeueAfterMs: 20_000 },
    {
      name: 'silent past the grace period: conditions Unknown, unreachable taints',
      objects: [node('True', T0)],
      now: at(T0, 41),
      writes: ['updateStatus Node/n1', 'update Node/n1'],
      taints: [
        { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule', timeAdded: at(T0, 41) },
        { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: at(T0, 41) },
      ],
      requeueAfterMs: 20_000,
    },
    { name: 'already Unknown and tainted: nothing new', objects: [node('Unknown', T0, [UNREACHABLE_NS, UNREACHABLE_NE])], now: at(T0, 100), writes: [], requeueAfterMs: 20_000 },
    {
      name: 'heartbeat back: the unreachable taints go, other taints stay',
      objects: [node('True', at(T0, 200), [UNREACHABLE_NS, UNREACHABLE_NE, { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }])],
      now: at(T0, 201),
      writes: ['update Node/n1'],
      taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }],
      requeueAfterMs: 20_000,
    },
    {
      name: 'heartbeat back without other taints removes the field',
      objects: [node('True', at(T0, 200), [UNREACHABLE_NS, UNREACHABLE_NE])],
      now: at(T0, 201),
      writes: ['update Node/n1'],
      taints: 'none',
      requeueAfterMs: 20_000,
    },
    {
      name: 'Ready False gets the not-ready taints',
      objects: [node('False', at(T0, 10))],
      now: at(T0, 11),
      writes: ['update Node/n1'],
      taints: [
        { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule', timeAdded: at(T0, 11) },
        { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute', timeAdded: at(T0, 11) },
      ],
      requeueAfterMs: 20_000,
    },
    {
      name: 'a cordoned node gets the unschedulable taint (kubectl cordon)',
      objects: [makeObject('v1', 'Node', 'n1').with('spec.unschedulable', true).with('status.conditions', [{ type: 'Ready', status: 'True', lastHeartbeatTime: at(T0, 10) }]).obj()],
      now: at(T0, 11),
      writes: ['update Node/n1'],
      taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule', timeAdded: at(T0, 11) }],
      requeueAfterMs: 20_000,
    },
    {
      name: 'an uncordoned node loses it, other taints stay',
      objects: [node('True', at(T0, 10), [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule', timeAdded: T0 }, { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }])],
      now: at(T0, 11),
      writes: ['update Node/n1'],
      taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }],
      requeueAfterMs: 20_000,
    },
    {
      name: 'a cordoned node that is also unreachable keeps its unschedulable taint and time',
      objects: [makeObject('v1', 'Node', 'n1').with('spec.unschedulable', true).with('spec.taints', [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule', timeAdded: T0 }, UNREACHABLE_NS, UNREACHABLE_NE]).with('status.conditions', [{ type: 'Ready', status: 'Unknown', lastHeartbeatTime: T0 }]).obj()],
      now: at(T0, 100),
      writes: [],
      requeueAfterMs: 20_000,
    },
    {
      name: 'pods without a toleration stay the default eviction period',
      objects: [node('Unknown', T0, [UNREACHABLE_NS, UNREACHABLE_NE]), podOn('a', 'n1')],
      now: at(T0, 299),
      writes: [],
      requeueAfterMs: 1_000,
    },
    {
      name: 'after the default period they are evicted; pods elsewhere stay',
      objects: [node('Unknown', T0, [UNREACHABLE_NS, UNREACHABLE_NE]), podOn('a', 'n1'), podOn('b', 'n2')],
      now: at(T0, 300),
      writes: ['delete Pod/a'],
      requeueAfterMs: 20_000,
    },
    {
      name: 'tolerationSeconds shortens the stay',
      objects: [node('Unknown', T0, [UNREACHABLE_NS, UNREACHABLE_NE]), podOn('a', 'n1', [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }]), podOn('b', 'n1')],
      now: at(T0, 30),
      writes: ['delete Pod/a'],
      requeueAfterMs: 10_001, // the heartbeat check (T0 + 40 s) comes before b's eviction
    },
    {
      name: 'a toleration without seconds keeps the pod forever',
      objects: [node('Unknown', T0, [UNREACHABLE_NS, UNREACHABLE_NE]), podOn('a', 'n1', [{ operator: 'Exists' }])],
      now: at(T0, 10_000),
      writes: [],
      requeueAfterMs: 20_000,
    },
    {
      name: 'another NoExecute taint evicts untolerating pods at once',
      objects: [node('True', at(T0, 10), [{ key: 'maintenance', effect: 'NoExecute', timeAdded: T0 }]), podOn('a', 'n1'), podOn('b', 'n1', [{ key: 'maintenance', operator: 'Exists' }])],
      now: at(T0, 11),
      writes: ['delete Pod/a'],
      requeueAfterMs: 20_000,
    },
    {
      name: 'a pod already being deleted is left alone',
      objects: [node('Unknown', T0, [UNREACHABLE_NS, UNREACHABLE_NE]), makePod('a').with('spec.nodeName', 'n1').with('metadata.deletionTimestamp', T0).obj()],
      now: at(T0, 400),
      writes: [],
      requeueAfterMs: 20_000,
    },
  ];

  it.each(cases)('$name', async (c) => {
    const { ctx, client } = fixture(c.objects, c.now);
    const result = await controller().reconcile('n1', ctx);
    expect(client.summary).toEqual(c.writes);
    expect(result).toEqual({ requeueAfterMs: c.requeueAfterMs });
    const update = client.ofVerb('update')[0];
    if (c.taints === 'none') expect(update.object.spec.taints).toBeUndefined();
    else if (c.taints) expect(update.object.spec.taints).toEqual(c.taints);
  });

  it('marks every condition Unknown with the kubelet message, keeping the last heartbeat', async () => {
    const { ctx, client } = fixture([node('True', T0)], at(T0, 41));
    await controller().reconcile('n1', ctx);
    const status = client.ofVerb('updateStatus')[0].object.status;
    expect(status.conditions).toEqual([
      expect.objectContaining({ type: 'MemoryPressure', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: T0, lastTransitionTime: at(T0, 41) }),
      expect.objectContaining({ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: T0 }),
    ]);
    expect(client.calls[0]).toMatchObject({ cause: CAUSE });
  });

  it('records RegisteredNode once per node, NodeNotReady when it goes silent, TaintManagerEviction per evicted pod', async () => {
    const c = controller();
    const seen = fixture([node('True', T0)], at(T0, 1));
    await c.reconcile('n1', seen.ctx);
    await c.reconcile('n1', seen.ctx);
    const silent = fixture([node('True', T0)], at(T0, 41));
    await c.reconcile('n1', silent.ctx);
    const evicting = fixture([node('Unknown', T0, [UNREACHABLE_NS, UNREACHABLE_NE]), podOn('a', 'n1')], at(T0, 301));
    await c.reconcile('n1', evicting.ctx);
    const all = [seen, silent, evicting].flatMap((f) => f.events.events);
    expect(all.map((e) => [e.involvedObject.kind, e.involvedObject.name, e.involvedObject.uid, e.reason, e.message])).toEqual([
      // Node events carry the node's name as uid: `kubectl describe node` looks them up that way.
      ['Node', 'n1', 'n1', 'RegisteredNode', 'Node n1 event: Registered Node n1 in Controller'],
      ['Node', 'n1', 'n1', 'NodeNotReady', 'Node n1 status is now: NodeNotReady'],
      ['Pod', 'a', 'uid-pod-a', 'TaintManagerEviction', 'Marking for deletion Pod default/a'],
    ]);
    const gone = fixture([], at(T0, 400));
    await c.reconcile('n1', gone.ctx);
    expect(gone.events.reasons()).toEqual(['RemovingNode']);
  });

  it('evicts with the pod uid as precondition', async () => {
    const { ctx, client } = fixture([node('Unknown', T0, [UNREACHABLE_NS, UNREACHABLE_NE]), podOn('a', 'n1')], at(T0, 301));
    await controller().reconcile('n1', ctx);
    expect(client.ofVerb('delete')[0].options).toMatchObject({ preconditions: { uid: 'uid-pod-a' }, ...CAUSE });
  });

  it('gives nodes a full grace period after the controller starts', async () => {
    const { ctx, client } = fixture([node('True', T0)], at(T0, 1000));
    await new NodeLifecycleController({ startedAt: new Date(at(T0, 990)) }).reconcile('n1', ctx);
    expect(client.calls).toEqual([]);
  });

  it('maps pods to the nodes they are or were bound to', () => {
    const c = controller();
    expect(c.keysFor({ kind: 'Pod', before: podOn('a', 'n1'), after: podOn('a', 'n1') })).toEqual(['n1']);
    expect(c.keysFor({ kind: 'Pod', after: makePod('a').obj() })).toEqual([]);
    expect(c.keysFor({ kind: 'Node', after: node('True', T0) })).toEqual(['n1']);
  });
});
