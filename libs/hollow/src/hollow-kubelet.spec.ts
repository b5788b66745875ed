import type { KubeObject } from '@logbook/kube';
import { NO_EVENTS, ObjectCache, type ReconcileContext } from '@logbook/components';
import { makePod } from '../../kube/src/testing/builders';
import { HollowKubelet, type HollowKubeletOptions } from './hollow-kubelet';
import { HollowNodeRegistry } from './node-registry';
import { EXIT_CODE_ANNOTATION } from './pod-status';
import { RecordingClient } from './testing/recording-client';

const T0 = Date.parse('2025-03-01T10:00:00Z');
const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** A kubelet for nodes n-0 and n-1, its cache, a recording client and a clock tests move. */
function fixture(pods: KubeObject[], options: HollowKubeletOptions = {}) {
  const nodes = new HollowNodeRegistry('n-', 2);
  const kubelet = new HollowKubelet(nodes, options);
  const cache = new ObjectCache();
  cache.bootstrap(pods, 10);
  const client = new RecordingClient();
  let now = T0;
  let position = 10;
  const ctx = (): ReconcileContext => ({ cache, client, cause: { causationId: 'ev-1', correlationId: 'req-1' }, now: () => new Date(now), log: silent, recorder: NO_EVENTS });
  return {
    nodes,
    kubelet,
    client,
    reconcile: (key = 'default/p') => kubelet.reconcile(key, ctx()),
    advance: (ms: number) => (now += ms),
    /** Feeds the last status write back into the cache, as its relayed event would. */
    applyLastWrite: () => {
      const obj = client.calls[client.calls.length - 1].object!;
      cache.apply(`Pod/${obj.metadata.namespace}/${obj.metadata.name}`, 'Pod', ++position, obj);
    },
  };
}

const bound = (node = 'n-0', name = 'p') => makePod(name).with('metadata.uid', `uid-${name}`).with('spec.nodeName', node).with('status', { phase: 'Pending' });
const jobPod = (node = 'n-0') => bound(node).with('spec.restartPolicy', 'Never');

describe('HollowKubelet', () => {
  describe('keysFor', () => {
    const kubelet = new HollowKubelet(new HollowNodeRegistry('n-', 2));
    it.each([
      ['a pod bound to one of its nodes', makePod().with('spec.nodeName', 'n-1').obj(), ['default/p']],
      ['a pod bound to another node', makePod().with('spec.nodeName', 'elsewhere').obj(), []],
      ['an unbound pod', makePod().obj(), []],
    ])('%s', (_, pod, keys) => {
      expect(kubelet.keysFor({ kind: 'Pod', after: pod })).toEqual(keys);
    });

    it('queues a deleted pod of its node (to release its address)', () => {
      expect(kubelet.keysFor({ kind: 'Pod', before: makePod().with('spec.nodeName', 'n-0').obj() })).toEqual(['default/p']);
    });

    it('queues nothing for a node change', () => {
      expect(kubelet.keysFor({ kind: 'Node', after: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n-0' } } })).toEqual([]);
    });
  });

  describe('when a pod is bound to one of its nodes', () => {
    it('reports it Running and Ready with addresses, conditions and container statuses', async () => {
      const f = fixture([bound('n-1').obj()]);
      expect(await f.reconcile()).toBeUndefined();
      const [written] = f.client.writes('updateStatus');
      const s = written.status;
      expect(s.phase).toBe('Running');
      expect(s.hostIP).toBe(f.nodes.get('n-1')!.address);
      expect(s.podIP).toMatch(/^127\.\d+\.\d+\.\d+$/);
      expect(s.podIPs).toEqual([{ ip: s.podIP }]);
      expect(s.startTime).toBe('2025-03-01T10:00:00Z');
      expect(s.conditions.map((c: any) => [c.type, c.status])).toEqual([
        ['PodScheduled', 'True'],
        ['Initialized', 'True'],
        ['ContainersReady', 'True'],
        ['Ready', 'True'],
      ]);
      expect(s.containerStatuses).toEqual([
        {
          name: 'c',
          ready: true,
          started: true,
          restartCount: 0,
          image: 'nginx:1.25',
          imageID: 'hollow://nginx:1.25',
          containerID: 'hollow://uid-p-c',
          state: { running: { startedAt: '2025-03-01T10:00:00Z' } },
        },
      ]);
      expect(f.client.calls[0].cause).toEqual({ causationId: 'ev-1', correlationId: 'req-1' });
    });

    it('gives every pod its own address, and the node address differs from all of them', async () => {
      const f = fixture([bound('n-0', 'a').obj(), bound('n-0', 'b').obj(), bound('n-1', 'c').obj()]);
      for (const key of ['default/a', 'default/b', 'default/c']) await f.reconcile(key);
      const ips = f.client.writes('updateStatus').map((p) => p.status.podIP);
      expect(new Set(ips).size).toBe(3);
      expect(ips).not.toContain(f.nodes.get('n-0')!.address);
    });

    it('waits podStartDelayMs by requeueing, then reports Running', async () => {
      const f = fixture([bound().obj()], { podStartDelayMs: 500 });
      expect(await f.reconcile()).toEqual({ requeueAfterMs: 500 });
      f.advance(200);
      expect(await f.reconcile()).toEqual({ requeueAfterMs: 300 });
      expect(f.client.calls).toEqual([]);
      f.advance(300);
      await f.reconcile();
      expect(f.client.writes('updateStatus')[0].status.phase).toBe('Running');
    });

    it('writes nothing more for a Running pod that does not run to completion', async () => {
      const f = fixture([bound().obj()]);
      await f.reconcile();
      f.applyLastWrite();
      f.advance(60_000);
      expect(await f.reconcile()).toBeUndefined();
      expect(f.client.calls).toHaveLength(1);
    });
  });

  describe('when a Job pod runs', () => {
    it('reports Running, then Succeeded with exit code 0 after jobPodRunMs', async () => {
      const f = fixture([jobPod().obj()], { jobPodRunMs: 1_000 });
      expect(await f.reconcile()).toEqual({ requeueAfterMs: 1_000 });
      f.applyLastWrite();
      f.advance(400);
      expect(await f.reconcile()).toEqual({ requeueAfterMs: 600 });
      f.advance(600);
      await f.reconcile();
      const done = f.client.writes('updateStatus')[1].status;
      expect(done.phase).toBe('Succeeded');
      expect(done.containerStatuses[0]).toMatchObject({ ready: false, state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: '2025-03-01T10:00:00Z', finishedAt: '2025-03-01T10:00:01Z' } } });
      expect(done.conditions.find((c: any) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
      expect(done.podIP).toBeDefined();
    });

    it('fails with the exit code its annotation names', async () => {
      const f = fixture([jobPod().with('metadata.annotations', { [EXIT_CODE_ANNOTATION]: '3' }).with('spec.restartPolicy', 'OnFailure').obj()], { jobPodRunMs: 0 });
      await f.reconcile();
      f.applyLastWrite();
      await f.reconcile();
      const done = f.client.writes('updateStatus')[1].status;
      expect(done.phase).toBe('Failed');
      expect(done.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    });

    it('leaves a finished pod alone', async () => {
      const f = fixture([jobPod().with('status', { phase: 'Succeeded' }).obj()]);
      expect(await f.reconcile()).toBeUndefined();
      expect(f.client.calls).toEqual([]);
    });
  });

  describe.each([
    ['the pod is bound to another node', bound('elsewhere').obj()],
    ['the pod is not bound', makePod().obj()],
    ['the pod is being deleted but holds a finalizer', bound().with('metadata.deletionTimestamp', '2025-03-01T09:59:00Z').with('metadata.finalizers', ['example.com/hold']).obj()],
  ])('when %s', (_, pod) => {
    it('writes nothing', async () => {
      const f = fixture([pod]);
      await f.reconcile();
      expect(f.client.calls).toEqual([]);
    });
  });

  describe('when the pod is Terminating (graceful deletion)', () => {
    it('finishes the deletion at once: grace period 0, guarded by the uid', async () => {
      const f = fixture([bound().with('metadata.deletionTimestamp', '2025-03-01T09:59:00Z').obj()]);
      await f.reconcile();
      expect(f.client.calls.map((c) => c.verb)).toEqual(['delete']);
      expect(f.client.calls[0].cause).toMatchObject({ gracePeriodSeconds: 0, preconditions: { uid: 'uid-p' } });
    });
  });

  it('writes nothing for a missing pod', async () => {
    const f = fixture([]);
    expect(await f.reconcile()).toBeUndefined();
    expect(f.client.calls).toEqual([]);
  });

  describe('when its node is paused', () => {
    it('writes nothing and looks again later; resumed, it reports Running', async () => {
      const f = fixture([bound().obj()], { pausedRecheckMs: 250 });
      f.nodes.require('n-0').paused = true;
      expect(await f.reconcile()).toEqual({ requeueAfterMs: 250 });
      expect(f.client.calls).toEqual([]);
      f.nodes.require('n-0').paused = false;
      await f.reconcile();
      expect(f.client.writes('updateStatus')[0].status.phase).toBe('Running');
    });
  });

  it('keeps addresses pods already report after a restart', async () => {
    const running = bound('n-0', 'old').with('status', { phase: 'Running', podIP: '127.128.0.1' }).obj();
    const f = fixture([running, bound('n-0', 'new').obj()]);
    await f.reconcile('default/new');
    expect(f.client.writes('updateStatus')[0].status.podIP).not.toBe('127.128.0.1');
  });
});
