import { type KubeObject, applyDefaults } from '@logbook/kube';
import { makeDaemonSet, makeObject } from '../../../../kube/src/testing/builders';
import { CONTROLLER_REVISION_HASH } from '../history/controller-revisions';
import { Harness } from '../testing/harness';
import { DaemonSetController } from './daemonset-controller';
import { targetNodeOf } from './daemon-pods';

const NOT_READY_TAINTS = [
  { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' },
];

function node(name: string, opts: { labels?: Record<string, string>; taints?: object[] } = {}): KubeObject {
  const b = makeObject('v1', 'Node', name).with('metadata.uid', `uid-${name}`).with('status.conditions', [{ type: 'Ready', status: 'True' }]);
  if (opts.labels) b.labels(opts.labels);
  if (opts.taints) b.with('spec.taints', opts.taints);
  return b.obj();
}

function daemonSet(extra: Record<string, unknown> = {}): KubeObject {
  const b = makeDaemonSet('agent').with('metadata.uid', 'ds-uid').with('metadata.generation', 1).with('metadata.creationTimestamp', '2024-01-01T00:00:00Z');
  for (const [k, v] of Object.entries(extra)) b.with(k, v);
  return applyDefaults(b.obj()); // as the API server stores it
}

const ds = (h: Harness) => h.get('DaemonSet', 'agent')!;
const live = (h: Harness) => h.cache.list('Pod').filter((p) => !p.metadata.deletionTimestamp);
const nodesWithPods = (h: Harness) => live(h).map((p) => targetNodeOf(p)).sort();
const isReady = (p: KubeObject) => (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');

async function start(nodes: KubeObject[], set = daemonSet()): Promise<Harness> {
  const h = new Harness([new DaemonSetController()], [...nodes, set]);
  h.enqueueAll('DaemonSet');
  await h.settle();
  return h;
}

/** The scheduler and the kubelet: binds pods to the node their affinity names, then readies `n` of them. */
function bindAndReady(h: Harness, n = Infinity): number {
  const at = h.clock.toISOString().replace(/\.\d+Z$/, 'Z');
  const waiting = live(h).filter((p) => !isReady(p)).sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!)).slice(0, n);
  for (const p of waiting) h.client.put({ ...p, spec: { ...p.spec, nodeName: targetNodeOf(p) }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: at }] } });
  return waiting.length;
}

function edit(h: Harness, change: (spec: any) => void): void {
  const cur = structuredClone(ds(h));
  change(cur.spec);
  cur.metadata.generation = (cur.metadata.generation ?? 1) + 1;
  h.client.put(cur);
}

describe('DaemonSetController', () => {
  describe('when nodes are all eligible', () => {
    it('creates one pod per node, for the scheduler to bind by node affinity, with the daemon tolerations', async () => {
      const h = await start([node('n1'), node('n2'), node('n3')]);
      const pods = live(h);
      expect(nodesWithPods(h)).toEqual(['n1', 'n2', 'n3']);
      expect(h.events.lines().sort()).toEqual(pods.map((p) => `Normal SuccessfulCreate Created pod: ${p.metadata.name}`).sort());
      const pod = pods[0];
      expect(pod.spec.nodeName).toBeUndefined();
      expect(pod.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution).toEqual({ nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [targetNodeOf(pod)] }] }] });
      expect(pod.spec.tolerations.map((t: any) => `${t.key}:${t.effect}`)).toEqual([
        'node.kubernetes.io/not-ready:NoExecute',
        'node.kubernetes.io/unreachable:NoExecute',
        'node.kubernetes.io/disk-pressure:NoSchedule',
        'node.kubernetes.io/memory-pressure:NoSchedule',
        'node.kubernetes.io/pid-pressure:NoSchedule',
        'node.kubernetes.io/unschedulable:NoSchedule',
      ]);
      expect(pod.metadata).toMatchObject({ generateName: 'agent-', labels: { app: 'agent', [CONTROLLER_REVISION_HASH]: expect.any(String) }, ownerReferences: [{ kind: 'DaemonSet', name: 'agent', uid: 'ds-uid', controller: true, blockOwnerDeletion: true }] });
      expect(h.client.causes.every((c) => c.correlationId === 'req-1')).toBe(true);
    });

    it('records revision 1 as a ControllerRevision carrying the template patch', async () => {
      const h = await start([node('n1')]);
      const [rev] = h.cache.list('ControllerRevision');
      const hash = live(h)[0].metadata.labels![CONTROLLER_REVISION_HASH];
      expect(rev).toMatchObject({ metadata: { name: `agent-${hash}`, labels: { app: 'agent', [CONTROLLER_REVISION_HASH]: hash }, ownerReferences: [{ kind: 'DaemonSet', uid: 'ds-uid', controller: true }] }, revision: 1 });
      expect(rev.data.spec.template).toEqual({ ...ds(h).spec.template, $patch: 'replace' });
    });

    it('reports status as kube does', async () => {
      const h = await start([node('n1'), node('n2'), node('n3')]);
      bindAndReady(h, 2);
      await h.settle();
      expect(ds(h).status).toEqual({
        desiredNumberScheduled: 3,
        currentNumberScheduled: 3,
        numberReady: 2,
        numberAvailable: 2,
        numberUnavailable: 1,
        updatedNumberScheduled: 3,
        numberMisscheduled: 0,
        observedGeneration: 1,
      });
    });

    it('adds a pod for a new node and removes the pod of a deleted node', async () => {
      const h = await start([node('n1'), node('n2')]);
      h.client.put(node('n3'));
      await h.settle();
      expect(nodesWithPods(h)).toEqual(['n1', 'n2', 'n3']);
      await h.client.delete('Node', undefined, 'n2', {});
      await h.settle();
      expect(nodesWithPods(h)).toEqual(['n1', 'n3']);
      expect(ds(h).status.desiredNumberScheduled).toBe(2);
    });

    it('removes duplicates, keeping the oldest running pod', async () => {
      const h = await start([node('n1')]);
      bindAndReady(h);
      const [first] = live(h);
      h.advance(1000);
      h.client.put({ ...structuredClone(first), metadata: { ...structuredClone(first.metadata), name: 'agent-dup', uid: 'uid-dup', creationTimestamp: h.clock.toISOString() } });
      await h.settle();
      expect(live(h).map((p) => p.metadata.name)).toEqual([first.metadata.name]);
    });
  });

  describe('when nodes are not all eligible', () => {
    it('honours nodeSelector and required node affinity', async () => {
      const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } };
      const nodes = [node('a-ssd', { labels: { zone: 'a', disk: 'ssd' } }), node('a-hdd', { labels: { zone: 'a', disk: 'hdd' } }), node('b-ssd', { labels: { zone: 'b', disk: 'ssd' } })];
      const h = await start(nodes, daemonSet({ 'spec.template.spec.nodeSelector': { disk: 'ssd' }, 'spec.template.spec.affinity': affinity }));
      expect(nodesWithPods(h)).toEqual(['a-ssd']);
      // The pod's required terms become its node; the nodeSelector stays for the scheduler.
      const pod = live(h)[0];
      expect(pod.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['a-ssd'] }] }]);
      expect(pod.spec.nodeSelector).toEqual({ disk: 'ssd' });
      expect(ds(h).status).toMatchObject({ desiredNumberScheduled: 1, currentNumberScheduled: 1 });
    });

    it('skips nodes with a taint it does not tolerate, unless the template tolerates it', async () => {
      const dedicated = { key: 'dedicated', value: 'db', effect: 'NoSchedule' };
      const nodes = [node('n1'), node('db', { taints: [dedicated] })];
      expect(nodesWithPods(await start(nodes))).toEqual(['n1']);
      const tolerant = daemonSet({ 'spec.template.spec.tolerations': [{ key: 'dedicated', operator: 'Exists' }] });
      expect(nodesWithPods(await start(nodes, tolerant))).toEqual(['db', 'n1']);
    });

    it('keeps a pod when a NoSchedule taint arrives, removes it for an untolerated NoExecute one', async () => {
      const h = await start([node('n1'), node('n2')]);
      h.client.put(node('n1', { taints: [{ key: 'k', effect: 'NoSchedule' }] }));
      h.client.put(node('n2', { taints: [{ key: 'k', effect: 'NoExecute' }] }));
      await h.settle();
      expect(nodesWithPods(h)).toEqual(['n1']);
      expect(ds(h).status).toMatchObject({ desiredNumberScheduled: 0, numberMisscheduled: 1 });
    });

    it('starts nothing on a not-ready node, but keeps what runs there (the daemon tolerations)', async () => {
      const h = await start([node('n1'), node('n2', { taints: NOT_READY_TAINTS })]);
      expect(nodesWithPods(h)).toEqual(['n1']);
      h.client.put(node('n1', { taints: NOT_READY_TAINTS }));
      await h.settle();
      expect(nodesWithPods(h)).toEqual(['n1']);
    });

    it('runs on a cordoned node: daemon pods tolerate node.kubernetes.io/unschedulable', async () => {
      const cordoned = node('n1', { taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] });
      expect(nodesWithPods(await start([cordoned]))).toEqual(['n1']);
    });
  });

  describe('when the template changes', () => {
    const nodes = ['n1', 'n2', 'n3', 'n4'].map((n) => node(n));

    async function rollOut(h: Harness, budget: { maxUnavailable: number; maxPods: number }): Promise<string[]> {
      const violations: string[] = [];
      h.check = () => {
        const pods = live(h);
        const down = nodes.filter((n) => !pods.some((p) => targetNodeOf(p) === n.metadata.name && isReady(p))).length;
        if (down > budget.maxUnavailable) violations.push(`${down} nodes without a ready pod`);
        if (pods.length > budget.maxPods) violations.push(`${pods.length} pods`);
      };
      for (let step = 0; step < 50; step++) {
        await h.settle();
        const s = ds(h).status;
        if (s.updatedNumberScheduled === 4 && s.numberAvailable === 4 && live(h).length === 4) return violations;
        h.advance(1000);
        bindAndReady(h, 1);
      }
      throw new Error(`rollout did not finish: ${JSON.stringify(ds(h).status)}`);
    }

    it('rolls with maxUnavailable 1: one node at a time, every pod replaced', async () => {
      const h = await start(nodes);
      bindAndReady(h);
      await h.settle();
      const before = new Set(live(h).map((p) => p.metadata.name));
      edit(h, (spec) => (spec.template.spec.containers[0].image = 'agent:2'));
      expect(await rollOut(h, { maxUnavailable: 1, maxPods: 4 })).toEqual([]);
      expect(live(h).every((p) => p.spec.containers[0].image === 'agent:2' && !before.has(p.metadata.name))).toBe(true);
      expect(h.cache.list('ControllerRevision').map((r) => r.revision).sort()).toEqual([1, 2]);
    });

    it('rolls with maxSurge: the new pod starts beside the old one, which goes once the new is ready', async () => {
      const h = await start(nodes, daemonSet({ 'spec.updateStrategy': { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } }));
      bindAndReady(h);
      await h.settle();
      edit(h, (spec) => (spec.template.spec.containers[0].image = 'agent:2'));
      expect(await rollOut(h, { maxUnavailable: 0, maxPods: 5 })).toEqual([]);
    });

    it('replaces nothing with OnDelete until a pod is deleted, whose replacement is new', async () => {
      const h = await start(nodes.slice(0, 2), daemonSet({ 'spec.updateStrategy': { type: 'OnDelete' } }));
      bindAndReady(h);
      await h.settle();
      const oldHash = live(h)[0].metadata.labels![CONTROLLER_REVISION_HASH];
      edit(h, (spec) => (spec.template.spec.containers[0].image = 'agent:2'));
      await h.settle();
      expect(live(h).map((p) => p.metadata.labels![CONTROLLER_REVISION_HASH])).toEqual([oldHash, oldHash]);
      expect(ds(h).status).toMatchObject({ updatedNumberScheduled: 0, observedGeneration: 2 });
      await h.client.delete('Pod', 'default', live(h)[0].metadata.name!, {});
      await h.settle();
      expect(live(h).map((p) => p.spec.containers[0].image).sort()).toEqual(['agent:2', 'nginx:1.25']);
    });

    it('rolls back to an earlier template by raising its revision, and keeps revisionHistoryLimit old ones', async () => {
      const h = await start([node('n1')], daemonSet({ 'spec.revisionHistoryLimit': 1 }));
      const original = structuredClone(ds(h).spec.template);
      for (const image of ['agent:2', 'agent:3']) {
        edit(h, (spec) => (spec.template.spec.containers[0].image = image));
        for (let i = 0; i < 4; i++) {
          await h.settle();
          bindAndReady(h);
        }
      }
      expect(h.cache.list('ControllerRevision').map((r) => r.revision).sort()).toEqual([2, 3]);
      edit(h, (spec) => (spec.template = structuredClone(original)));
      await h.settle();
      const revisions = h.cache.list('ControllerRevision').sort((a, b) => a.revision - b.revision);
      // revision 1 was pruned, so the original template comes back as a new revision 4.
      expect(revisions.map((r) => r.revision)).toEqual([3, 4]);
      expect(revisions[1].data.spec.template.spec.containers[0].image).toBe('nginx:1.25');

      edit(h, (spec) => (spec.template.spec.containers[0].image = 'agent:3'));
      await h.settle();
      const again = h.cache.list('ControllerRevision').sort((a, b) => a.revision - b.revision);
      expect(again.map((r) => [r.revision, r.data.spec.template.spec.containers[0].image])).toEqual([
        [4, 'nginx:1.25'],
        [5, 'agent:3'],
      ]);
    });
  });

  describe('when a pod fails', () => {
    it('replaces it, backing off per node', async () => {
      const controller = new DaemonSetController({ failedPodBackoffMs: { initial: 1000, max: 4000 } });
      const h = new Harness([controller], [node('n1'), daemonSet()]);
      h.enqueueAll('DaemonSet');
      await h.settle();
      const fail = () => {
        const [p] = live(h);
        h.client.put({ ...p, spec: { ...p.spec, nodeName: 'n1' }, status: { phase: 'Failed' } });
      };
      fail();
      await h.settle();
      expect(live(h).map((p) => p.status.phase)).toEqual(['Pending']); // replaced at once
      fail();
      await h.settle();
      expect(live(h).map((p) => p.status.phase)).toEqual(['Failed']); // within the back-off
      expect(await controller.reconcile('default/agent', h.ctx())).toEqual({ requeueAfterMs: 1000 });
      h.advance(1000);
      await controller.reconcile('default/agent', h.ctx());
      await h.settle();
      expect(live(h).map((p) => p.status.phase)).toEqual(['Pending']);
    });
  });

  it('maps pods, revisions and node changes that matter to DaemonSet keys', async () => {
    const h = await start([node('n1')]);
    const c = h.controllers[0];
    const pod = live(h)[0];
    expect(c.keysFor({ kind: 'Pod', after: pod }, h.cache)).toEqual(['default/agent']);
    expect(c.keysFor({ kind: 'ControllerRevision', after: h.cache.list('ControllerRevision')[0] }, h.cache)).toEqual(['default/agent']);
    const n = node('n1');
    const heartbeat = { ...n, status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: 'later' }] } };
    expect(c.keysFor({ kind: 'Node', before: n, after: heartbeat }, h.cache)).toEqual([]);
    expect(c.keysFor({ kind: 'Node', before: n, after: node('n1', { labels: { zone: 'a' } }) }, h.cache)).toEqual(['default/agent']);
    expect(c.keysFor({ kind: 'Node', after: node('n9') }, h.cache)).toEqual(['default/agent']);
  });
});
