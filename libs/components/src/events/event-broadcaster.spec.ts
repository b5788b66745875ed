import { Registry } from 'prom-client';
import type { KubeObject } from '@logbook/kube';
import { type Cause, ClientError, type ClusterClient } from '../cluster-client.port';
import { eventually } from '@logbook/testing';
import { EventBroadcaster } from './event-broadcaster';

interface Call {
  readonly verb: 'create' | 'update';
  readonly event: KubeObject;
  readonly cause: Cause;
  readonly answer: (err?: Error) => void;
}

/**
 * A client whose Event writes wait until the test answers them (or answer at once with
 * `auto`), so the order and overlap of the broadcaster's writes can be observed.
 */
class GatedClient implements ClusterClient {
  readonly calls: Call[] = [];
  auto = false;
  /** Errors the next writes fail with, in order. */
  readonly failures: Error[] = [];
  private readonly stored = new Map<string, KubeObject>();

  async create(obj: KubeObject, cause: Cause): Promise<KubeObject> {
    return this.write('create', obj, cause);
  }
  async update(obj: KubeObject, cause: Cause): Promise<KubeObject> {
    return this.write('update', obj, cause);
  }
  updateStatus(): Promise<KubeObject> {
    throw new Error('not used');
  }
  delete(): Promise<void> {
    throw new Error('not used');
  }
  bind(): Promise<void> {
    throw new Error('not used');
  }
  async listAll(): Promise<{ items: KubeObject[]; position: number }> {
    return { items: [], position: 0 };
  }

  get open(): Call[] {
    return this.calls.filter((c) => !(c as { done?: boolean }).done);
  }

  /** What the API would hold: the last successful write per Event. */
  events(): KubeObject[] {
    return [...this.stored.values()];
  }

  private write(verb: Call['verb'], obj: KubeObject, cause: Cause): Promise<KubeObject> {
    const event = structuredClone(obj);
    return new Promise<KubeObject>((resolve, reject) => {
      const call: Call & { done?: boolean } = {
        verb,
        event,
        cause,
        answer: (err) => {
          call.done = true;
          if (err) return reject(err);
          const key = `${event.metadata.namespace}/${event.metadata.name}`;
          if (verb === 'update' && !this.stored.has(key)) return reject(new ClientError(404, 'NotFound', `events "${event.metadata.name}" not found`));
          this.stored.set(key, event);
          resolve(event);
        },
      };
      this.calls.push(call);
      const failure = this.failures.shift();
      if (failure) call.answer(failure);
      else if (this.auto) call.answer();
    });
  }
}

const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'shop', uid: 'uid-1', resourceVersion: '5' } };
const CAUSE = { causationId: 'ev-1', correlationId: 'req-1' };
/** Long enough for a wave of writes (batch interval 0 here) to start. */
const settle = () => new Promise((r) => setTimeout(r, 10));

function setup(options: Partial<ConstructorParameters<typeof EventBroadcaster>[0]> = {}) {
  const client = new GatedClient();
  const registry = new Registry();
  let now = Date.parse('2026-03-01T10:00:00Z');
  const broadcaster = new EventBroadcaster({ client, registry, now: () => new Date(now), retryDelayMs: 5, batchIntervalMs: 0, ...options });
  const kubelet = broadcaster.recorderFor('kubelet', 'node-a');
  return { client, registry, broadcaster, kubelet, advance: (ms: number) => (now += ms) };
}

describe('EventBroadcaster', () => {
  it('returns at once and writes in the background, carrying the cause', async () => {
    const { client, kubelet } = setup();
    kubelet.event(pod, 'Normal', 'Started', 'Started container web', CAUSE);
    expect(client.calls).toHaveLength(0);
    await settle();
    expect(client.calls).toHaveLength(1);
    expect(client.calls[0]).toMatchObject({ verb: 'create', cause: CAUSE, event: { reason: 'Started', source: { component: 'kubelet', host: 'node-a' }, involvedObject: { kind: 'Pod', name: 'web-1', uid: 'uid-1', resourceVersion: '5', apiVersion: 'v1' } } });
    expect(client.calls[0].event.metadata.name).toMatch(/^web-1\.[0-9a-f]+$/);
  });

  it('never writes an Event twice at once: a repeat waits for the create, and repeats meanwhile become one update', async () => {
    const { client, kubelet, broadcaster } = setup();
    kubelet.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container web', CAUSE);
    await settle();
    for (let i = 0; i < 4; i++) kubelet.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container web', { correlationId: `req-${i}` });
    await settle();
    expect(client.calls.map((c) => c.verb)).toEqual(['create']);
    client.calls[0].answer();
    await settle();
    expect(client.calls.map((c) => c.verb)).toEqual(['create', 'update']);
    expect(client.calls[1].event.count).toBe(5);
    expect(client.calls[1].cause).toEqual({ correlationId: 'req-3' });
    client.calls[1].answer();
    expect(await broadcaster.flush(1_000)).toBe(true);
    expect(client.events()).toHaveLength(1);
  });

  it('creates a counted-up Event that is no longer there (expired, or its create was dropped)', async () => {
    const { client, kubelet, broadcaster } = setup();
    client.auto = true;
    client.failures.push(new ClientError(500, 'InternalError', 'boom'));
    kubelet.event(pod, 'Warning', 'BackOff', 'Back-off', CAUSE);
    await broadcaster.flush(1_000);
    kubelet.event(pod, 'Warning', 'BackOff', 'Back-off', CAUSE);
    await broadcaster.flush(1_000);
    expect(client.calls.map((c) => c.verb)).toEqual(['create', 'update', 'create']);
    expect(client.events().map((e) => e.count)).toEqual([2]);
  });

  it('starts writes in waves, at most once per batch interval, so they share the log\'s group commits', async () => {
    const { client, broadcaster } = setup({ batchIntervalMs: 150 });
    client.auto = true;
    const scheduler = broadcaster.recorderFor('default-scheduler');
    const scheduled = (i: number) => scheduler.event({ ...pod, metadata: { ...pod.metadata, name: `p-${i}`, uid: `u-${i}` } }, 'Normal', 'Scheduled', `Successfully assigned shop/p-${i} to node-a`, CAUSE);
    scheduled(0);
    await settle();
    expect(client.calls).toHaveLength(1);
    for (let i = 1; i <= 3; i++) scheduled(i);
    await settle();
    expect(client.calls).toHaveLength(1);
    await eventually(() => client.calls.length === 4);
    expect(await broadcaster.flush(1_000)).toBe(true);
  });

  it('drops what the API rejects without retrying, and retries what it did not answer', async () => {
    const { client, kubelet, broadcaster, registry } = setup();
    client.auto = true;
    client.failures.push(new ClientError(422, 'Invalid', 'name too long'), new Error('ECONNREFUSED'), new Error('ECONNREFUSED'));
    kubelet.event(pod, 'Normal', 'Created', 'Created container web', CAUSE);
    kubelet.event(pod, 'Normal', 'Started', 'Started container web', CAUSE);
    expect(await broadcaster.flush(2_000)).toBe(true);
    expect(client.events().map((e) => e.reason)).toEqual(['Started']);
    expect(client.calls.filter((c) => c.event.reason === 'Started')).toHaveLength(3);
    expect(broadcaster.dropped('rejected')).toBe(1);
    expect(await registry.getSingleMetricAsString('logbook_kube_events_written_total')).toContain('action="create"} 1');
  });

  it('gives a write up after its tries', async () => {
    const { client, kubelet, broadcaster } = setup({ maxTries: 3 });
    client.auto = true;
    client.failures.push(...Array.from({ length: 5 }, () => new Error('ETIMEDOUT')));
    kubelet.event(pod, 'Normal', 'Created', 'Created container web', CAUSE);
    expect(await broadcaster.flush(2_000)).toBe(true);
    expect(client.calls).toHaveLength(3);
    expect(broadcaster.dropped('unreachable')).toBe(1);
  });

  it('drops and counts occurrences beyond its queue while the API is slow', async () => {
    const { client, broadcaster, registry } = setup({ queueSize: 5, concurrency: 2 });
    const scheduler = broadcaster.recorderFor('default-scheduler');
    for (let i = 0; i < 8; i++) {
      const p = { ...pod, metadata: { ...pod.metadata, name: `p-${i}`, uid: `uid-p-${i}` } };
      scheduler.event(p, 'Normal', 'Scheduled', `Successfully assigned shop/p-${i} to node-a`, CAUSE);
    }
    await settle();
    expect(client.open).toHaveLength(2);
    expect(broadcaster.backlog).toBe(5);
    expect(broadcaster.dropped('queue_full')).toBe(3);
    expect(await registry.getSingleMetricAsString('logbook_kube_events_dropped_total')).toContain('reason="queue_full"} 3');
    client.auto = true;
    for (const c of client.open) c.answer();
    expect(await broadcaster.flush(1_000)).toBe(true);
    expect(client.events().map((e) => e.involvedObject.name)).toEqual(['p-0', 'p-1', 'p-2', 'p-3', 'p-4']);
  });

  it('counts what the spam filter holds back', async () => {
    const { client, kubelet, broadcaster } = setup({ correlator: { burst: 2, maxSimilar: 100 } });
    client.auto = true;
    for (let i = 0; i < 5; i++) kubelet.event(pod, 'Warning', 'Unhealthy', `Readiness probe failed: attempt ${i}`, CAUSE);
    await broadcaster.flush(1_000);
    expect(client.calls).toHaveLength(2);
    expect(broadcaster.dropped('rate_limited')).toBe(3);
  });

  it('never lets a failure reach the caller', () => {
    const { kubelet } = setup();
    const broken = { apiVersion: 'v1', kind: 'Pod', metadata: null } as unknown as KubeObject;
    expect(() => kubelet.event(broken, 'Normal', 'Started', 'x', CAUSE)).not.toThrow();
  });

  it('writes what is queued on shutdown, then records nothing more', async () => {
    const { client, kubelet, broadcaster } = setup();
    client.auto = true;
    kubelet.event(pod, 'Normal', 'Killing', 'Stopping container web', CAUSE);
    await broadcaster.shutdown(1_000);
    kubelet.event(pod, 'Normal', 'Started', 'Started container web', CAUSE);
    await settle();
    expect(client.calls.map((c) => c.event.reason)).toEqual(['Killing']);
  });
});
