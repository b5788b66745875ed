import { type CachedChange, type Controller, ObjectCache, type ReconcileContext, RecordedEvents, keyOf } from '@logbook/components';
import type { KubeObject } from '@logbook/kube';
import { FakeClusterClient } from './fake-client';

const quietLog = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * A tiny cluster for unit tests: a fake API whose writes flow back into an ObjectCache with
 * increasing positions (as the relay would), controllers queued through their keysFor, and a
 * kubelet stand-in that schedules pods and marks them Ready on request. `check` runs after
 * every change, so invariants hold at every step, not only at the end.
 */
export class Harness {
  readonly cache = new ObjectCache();
  readonly client: FakeClusterClient;
  /** Every Kubernetes Event the controllers recorded. */
  readonly events = new RecordedEvents();
  private position = 1;
  private readonly queues = new Map<Controller, Set<string>>();
  clock = new Date('2024-01-01T00:00:00Z');
  check?: () => void;

  constructor(
    readonly controllers: Controller[],
    seed: KubeObject[] = [],
  ) {
    this.client = new FakeClusterClient(() => this.clock);
    for (const c of controllers) this.queues.set(c, new Set());
    this.client.onChange = (kind, stream, obj) => this.apply(kind, stream, obj);
    for (const o of seed) this.client.put(o);
  }

  ctx(): ReconcileContext {
    return { cache: this.cache, client: this.client, cause: { correlationId: 'req-1' }, now: () => this.clock, log: quietLog, recorder: this.events };
  }

  /** Reconciles queued keys until nothing is left (or a step limit says a controller loops). */
  async settle(maxSteps = 10_000): Promise<number> {
    let steps = 0;
    for (;;) {
      let did = false;
      for (const [c, q] of this.queues) {
        const key = q.values().next().value as string | undefined;
        if (key === undefined) continue;
        q.delete(key);
        await c.reconcile(key, this.ctx());
        did = true;
        if (++steps > maxSteps) throw new Error('controllers did not settle');
      }
      if (!did) return steps;
    }
  }

  /** The kubelet: binds and readies up to `n` pods that are not ready yet (oldest first). */
  markReady(n = Infinity, filter: (p: KubeObject) => boolean = () => true): number {
    const pods = this.cache
      .list('Pod')
      .filter((p) => !p.metadata.deletionTimestamp && !(p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True'))
      .filter(filter)
      .sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!))
      .slice(0, n);
    const at = this.clock.toISOString().replace(/\.\d+Z$/, 'Z');
    for (const pod of pods) {
      this.client.put({
        ...pod,
        spec: { ...pod.spec, nodeName: pod.spec?.nodeName ?? 'node-1' },
        status: { ...pod.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: at }] },
      });
    }
    return pods.length;
  }

  advance(ms: number): void {
    this.clock = new Date(this.clock.getTime() + ms);
  }

  enqueueAll(kind: string): void {
    for (const [c, q] of this.queues) if (c.primaryKind === kind) for (const o of this.cache.list(kind)) q.add(keyOf(o));
  }

  get(kind: string, name: string): KubeObject | undefined {
    return this.cache.get(kind, 'default', name);
  }

  private apply(kind: string, stream: string, obj: KubeObject | null): void {
    const change: CachedChange | undefined = this.cache.apply(stream, kind, ++this.position, obj);
    if (!change) return;
    for (const [c, q] of this.queues) {
      if (!c.watches.includes(kind)) continue;
      for (const key of (c.keysFor as (ch: CachedChange, cache: ObjectCache) => string[])(change, this.cache)) q.add(key);
    }
    this.check?.();
  }
}
