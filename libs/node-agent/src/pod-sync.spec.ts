import type { KubeObject } from '@logbook/kube';
import type { ClientListOptions } from '@logbook/components';
import { RecordingClient } from '../../hollow/src/testing/recording-client';
import { makePod } from '../../kube/src/testing/builders';
import { PodSync, formatDelay } from './pod-sync';
import { FakeRuntime } from './testing/fake-runtime';

class Client extends RecordingClient {
  readonly objects: KubeObject[] = [];
  async getObject(kind: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    return this.objects.find((o) => o.kind === kind && o.metadata.namespace === namespace && o.metadata.name === name);
  }
  async listObjects(kind: string, options: ClientListOptions = {}): Promise<{ items: KubeObject[]; position: number }> {
    return { items: this.objects.filter((o) => o.kind === kind && (!options.namespace || o.metadata.namespace === options.namespace)), position: 1 };
  }
}

const BASE_MS = 200;

function fixture() {
  let clock = Date.parse('2026-03-01T10:00:00Z');
  const runtime = new FakeRuntime();
  runtime.now = () => new Date(clock);
  const client = new Client();
  const requeued: string[] = [];
  const sync = new PodSync({
    runtime,
    client,
    nodeName: 'n1',
    hostIP: '127.0.0.1',
    backoff: { baseMs: BASE_MS, maxMs: 1_000, resetAfterMs: 60_000 },
    probeSecondMs: 1000,
    now: () => new Date(clock),
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    requeue: (k) => requeued.push(k),
  });
  runtime.onExit((s) => sync.onExit(s));
  let pod: KubeObject | undefined;
  return {
    runtime,
    client,
    requeued,
    sync,
    advance: (ms: number) => (clock += ms),
    set: (p: KubeObject | undefined) => (pod = p),
    /** Reconciles the pod as the cache holds it: the last status the agent wrote. */
    async reconcile(): Promise<number | undefined> {
      const latest = client.writes('updateStatus').at(-1);
      const cached = pod && latest && latest.metadata.uid === pod.metadata.uid ? { ...pod, status: latest.status } : pod;
      return sync.reconcile('default/p', cached, { correlationId: 'c1' });
    },
    status: () => client.writes('updateStatus').at(-1)?.status,
  };
}

const pod = (spec: Record<string, unknown> = {}, containers: object[] = [{ name: 'app', image: 'node', command: ['node', 'server.js'] }]) => {
  let b = makePod('p').with('metadata.uid', 'uid-p').with('metadata.resourceVersion', '5').with('spec.nodeName', 'n1').containers(...containers);
  for (const [k, v] of Object.entries(spec)) b = b.with(`spec.${k}`, v);
  return b.obj();
};

const cond = (status: any, type: string) => status.conditions.find((c: any) => c.type === type)?.status;

describe('PodSync', () => {
  it('creates the sandbox, starts the containers and reports Running and Ready with the pod IP', async () => {
    const f = fixture();
    f.set(pod());
    await f.reconcile();
    expect(f.runtime.starts.map((s) => [s.name, s.command])).toEqual([['app', ['node', 'server.js']]]);
    const s = f.status();
    expect(s).toMatchObject({ phase: 'Running', podIP: '127.1.0.1', hostIP: '127.0.0.1', startTime: '2026-03-01T10:00:00Z' });
    expect(s.containerStatuses[0]).toMatchObject({ name: 'app', ready: true, started: true, restartCount: 0, containerID: 'process://1000', state: { running: { startedAt: '2026-03-01T10:00:00Z' } } });
    expect(['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((t) => cond(s, t))).toEqual(['True', 'True', 'True', 'True']);
  });

  it('writes nothing when the status would not change', async () => {
    const f = fixture();
    f.set(pod());
    await f.reconcile();
    await f.reconcile();
    expect(f.client.writes('updateStatus')).toHaveLength(1);
    expect(f.runtime.starts).toHaveLength(1);
  });

  it('restarts a crashing container with back-off 0, base, 2×base … capped, showing CrashLoopBackOff meanwhile', async () => {
    const f = fixture();
    f.set(pod());
    await f.reconcile();
    const delays: (number | undefined)[] = [];
    for (let i = 0; i < 5; i++) {
      f.advance(10);
      f.runtime.exit('uid-p', 'app', 1);
      const wait = await f.reconcile();
      delays.push(wait);
      if (wait !== undefined) {
        const s = f.status().containerStatuses[0];
        expect(s.state.waiting).toMatchObject({ reason: 'CrashLoopBackOff' });
        expect(s.state.waiting.message).toContain(`back-off ${formatDelay(wait)} restarting failed container=app pod=p_default(uid-p)`);
        expect(s.lastState.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
        f.advance(wait);
        expect(await f.reconcile()).toBeUndefined();
      }
    }
    expect(delays).toEqual([undefined, 200, 400, 800, 1000]);
    const s = f.status().containerStatuses[0];
    expect(s).toMatchObject({ restartCount: 5, state: { running: {} }, lastState: { terminated: { exitCode: 1 } } });
    expect(f.runtime.starts).toHaveLength(6);
  });

  it('starts the back-off over after a run longer than resetAfter', async () => {
    const f = fixture();
    f.set(pod());
    await f.reconcile();
    f.runtime.exit('uid-p', 'app', 1);
    await f.reconcile(); // immediate restart
    f.runtime.exit('uid-p', 'app', 1);
    expect(await f.reconcile()).toBe(BASE_MS);
    f.advance(BASE_MS);
    await f.reconcile();
    f.advance(60_000);
    f.runtime.exit('uid-p', 'app', 1);
    expect(await f.reconcile()).toBeUndefined();
    expect(f.status().containerStatuses[0].restartCount).toBe(3);
  });

  it.each([
    ['Never', 0, 'Succeeded', 1],
    ['Never', 3, 'Failed', 1],
    ['OnFailure', 0, 'Succeeded', 1],
  ])('restartPolicy %s, exit %i: the pod ends %s', async (policy, code, phase, starts) => {
    const f = fixture();
    f.set(pod({ restartPolicy: policy }));
    await f.reconcile();
    f.runtime.exit('uid-p', 'app', code);
    await f.reconcile();
    const s = f.status();
    expect(s.phase).toBe(phase);
    expect(s.containerStatuses[0].state.terminated).toMatchObject({ exitCode: code });
    expect(cond(s, 'Ready')).toBe('False');
    expect(f.runtime.starts).toHaveLength(starts);
  });

  it('restartPolicy OnFailure restarts a failed container', async () => {
    const f = fixture();
    f.set(pod({ restartPolicy: 'OnFailure' }));
    await f.reconcile();
    f.runtime.exit('uid-p', 'app', 2);
    await f.reconcile();
    expect(f.runtime.starts).toHaveLength(2);
    expect(f.status()).toMatchObject({ phase: 'Running', containerStatuses: [{ restartCount: 1 }] });
  });

  it('runs init containers one by one to completion before the others', async () => {
    const f = fixture();
    f.set(pod({ initContainers: [{ name: 'i1', image: 'x', command: ['a'] }, { name: 'i2', image: 'x', command: ['b'] }] }));
    await f.reconcile();
    expect(f.runtime.starts.map((s) => s.name)).toEqual(['i1']);
    expect(f.status()).toMatchObject({ phase: 'Pending' });
    expect(cond(f.status(), 'Initialized')).toBe('False');
    f.runtime.exit('uid-p', 'i1', 0);
    await f.reconcile();
    f.runtime.exit('uid-p', 'i2', 0);
    await f.reconcile();
    expect(f.runtime.starts.map((s) => s.name)).toEqual(['i1', 'i2', 'app']);
    expect(f.status().initContainerStatuses.map((s: any) => s.state.terminated?.reason)).toEqual(['Completed', 'Completed']);
    expect(cond(f.status(), 'Initialized')).toBe('True');
    expect(f.status().phase).toBe('Running');
  });

  it('a container the runtime cannot start waits with CreateContainerError and its reason', async () => {
    const f = fixture();
    f.set(pod({}, [{ name: 'app', image: 'nginx' }]));
    expect(await f.reconcile()).toBe(BASE_MS);
    expect(f.status().containerStatuses[0].state.waiting).toMatchObject({ reason: 'CreateContainerError', message: expect.stringContaining('has no command') });
    expect(f.status().phase).toBe('Pending');
  });

  it('a missing ConfigMap waits with CreateContainerConfigError', async () => {
    const f = fixture();
    f.set(pod({}, [{ name: 'app', image: 'x', command: ['a'], env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'a' } } }] }]));
    await f.reconcile();
    expect(f.status().containerStatuses[0].state.waiting).toEqual({ reason: 'CreateContainerConfigError', message: 'configmap "cfg" not found' });
    f.client.objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' }, data: { a: '1' } } as KubeObject);
    await f.reconcile();
    expect(f.runtime.starts[0].env).toMatchObject({ A: '1' });
  });

  it('Terminating: stops every container with the deletion grace period, removes the sandbox, then deletes the pod with grace 0 and its uid', async () => {
    const f = fixture();
    f.set(pod());
    await f.reconcile();
    f.set({ ...pod(), metadata: { ...pod().metadata, deletionTimestamp: '2026-03-01T10:00:05Z', deletionGracePeriodSeconds: 7, resourceVersion: '9999' } });
    await f.reconcile();
    expect(f.runtime.stops).toEqual([{ podUid: 'uid-p', name: 'app', grace: 7 }]);
    expect(f.runtime.removed).toEqual(['uid-p']);
    expect(f.client.calls.at(-1)).toMatchObject({ verb: 'delete', cause: { gracePeriodSeconds: 0, preconditions: { uid: 'uid-p' } } });
  });

  it('a pod gone from the cache has its containers stopped and its sandbox removed', async () => {
    const f = fixture();
    f.set(pod({ terminationGracePeriodSeconds: 3 }));
    await f.reconcile();
    f.set(undefined);
    await f.reconcile();
    expect(f.runtime.stops).toEqual([{ podUid: 'uid-p', name: 'app', grace: 3 }]);
    expect(f.runtime.removed).toEqual(['uid-p']);
  });

  it('after a restart of the agent, adopts running containers instead of starting them again', async () => {
    const f = fixture();
    const sandbox = await f.runtime.runPodSandbox({ uid: 'uid-p', namespace: 'default', name: 'p' });
    await f.runtime.startContainer({ podUid: 'uid-p', name: 'app', image: 'node', command: ['node'], args: [], env: {} });
    const running = { ...pod(), status: { phase: 'Running', containerStatuses: [{ name: 'app', restartCount: 2, ready: true, started: true }] } };
    f.sync.adopt([running], [sandbox], await f.runtime.listContainers());
    f.set(running);
    await f.reconcile();
    expect(f.runtime.starts).toHaveLength(1);
    expect(f.status().containerStatuses[0]).toMatchObject({ restartCount: 2, state: { running: {} }, ready: true });
    expect(f.sync.strays([running], [sandbox, { uid: 'gone', ip: '127.1.0.9', logDir: '' }])).toEqual(['gone']);
  });

  it('a readiness probe gates Ready until it passes', async () => {
    const f = fixture();
    f.set(pod({}, [{ name: 'app', image: 'x', command: ['a'], readinessProbe: { exec: { command: ['true'] }, periodSeconds: 1 } }]));
    await f.reconcile();
    expect(f.status().containerStatuses[0]).toMatchObject({ ready: false, state: { running: {} } });
    expect(cond(f.status(), 'Ready')).toBe('False');
    f.sync.stop();
  });
});
