import { type CachedChange, type Controller, type ObjectCache, type ReconcileContext, type ReconcileResult, keyOf, splitKey } from '@logbook/components';
import type { HollowNodeRegistry } from './node-registry';
import { hollowExitCode, runningPodStatus, runsToCompletion, terminatedPodStatus } from './pod-status';

export interface HollowKubeletOptions {
  /** Delay between a pod being bound here and it reporting Running. Default 0. */
  readonly podStartDelayMs?: number;
  /** How long a Job's pod (restartPolicy Never/OnFailure) runs before it exits. Default 1000. */
  readonly jobPodRunMs?: number;
  /** How often a pod of a paused node is looked at again. Default 1000. */
  readonly pausedRecheckMs?: number;
  /** The consumer group is `logbook-<name>`: two agents on one bus need different names. */
  readonly name?: string;
}

/**
 * Plays the kubelet for hollow nodes: a pod bound to one of them goes Running and Ready without
 * any process; a Job's pod then exits 0 (or with its `hollow.logbook.io/exit-code`). Timing
 * comes from requeues, never sleeps, so a reconcile never holds a worker.
 */
export class HollowKubelet implements Controller {
  readonly name: string;
  readonly primaryKind = 'Pod';
  /** Nodes are watched so the host's cache holds them for the heartbeats; they queue no keys. */
  readonly watches = ['Pod', 'Node'];
  readonly workers = 32;
  private readonly boundAt = new Map<string, number>();
  private readonly runningSince = new Map<string, number>();
  /** Which node holds a pod's address, to release it once the pod is gone. */
  private readonly placed = new Map<string, string>();
  private seeded = false;

  constructor(
    private readonly nodes: HollowNodeRegistry,
    private readonly o: HollowKubeletOptions = {},
  ) {
    this.name = o.name ?? 'hollow-kubelet';
  }

  keysFor(change: CachedChange): string[] {
    if (change.kind !== 'Pod') return [];
    const pod = change.after ?? change.before!;
    const nodeName = change.after?.spec?.nodeName ?? change.before?.spec?.nodeName;
    return this.nodes.has(nodeName) ? [keyOf(pod)] : [];
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    this.seed(ctx.cache);
    const { namespace, name } = splitKey(key);
    const pod = ctx.cache.get('Pod', namespace, name);
    const node = this.nodes.get(pod?.spec?.nodeName);
    if (!pod || !node) return this.forget(key);
    // A Terminating pod has no processes to stop here: finish its deletion at once (the uid
    // precondition keeps a re-created pod of the same name safe).
    if (pod.metadata.deletionTimestamp) {
      if (pod.metadata.finalizers?.length) return;
      await ctx.client.delete('Pod', namespace, name, { ...ctx.cause, gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
      return;
    }
    if (node.paused) return { requeueAfterMs: this.o.pausedRecheckMs ?? 1_000 };
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return;
    const now = ctx.now();
    if (phase !== 'Running') {
      const boundAt = this.boundAt.get(key) ?? now.getTime();
      this.boundAt.set(key, boundAt);
      const wait = boundAt + (this.o.podStartDelayMs ?? 0) - now.getTime();
      if (wait > 0) return { requeueAfterMs: wait };
      if (this.placed.get(key) !== node.name) this.nodes.get(this.placed.get(key))?.podIps.release(key); // a new pod of the same name
      const podIP = node.podIps.allocate(key);
      this.placed.set(key, node.name);
      await ctx.client.updateStatus({ ...pod, status: runningPodStatus(pod, { podIP, hostIP: node.address, now }) }, ctx.cause);
      this.boundAt.delete(key);
      this.runningSince.set(key, now.getTime());
      return runsToCompletion(pod) ? { requeueAfterMs: this.jobPodRunMs } : undefined;
    }
    if (!runsToCompletion(pod)) return;
    const since = this.runningSince.get(key) ?? (Date.parse(pod.status?.startTime ?? '') || now.getTime());
    const wait = since + this.jobPodRunMs - now.getTime();
    if (wait > 0) return { requeueAfterMs: wait };
    await ctx.client.updateStatus({ ...pod, status: terminatedPodStatus(pod, hollowExitCode(pod), now) }, ctx.cause);
    this.runningSince.delete(key);
  }

  private get jobPodRunMs(): number {
    return this.o.jobPodRunMs ?? 1_000;
  }

  private forget(key: string): void {
    this.boundAt.delete(key);
    this.runningSince.delete(key);
    this.nodes.get(this.placed.get(key))?.podIps.release(key);
    this.placed.delete(key);
  }

  /** After a restart, the addresses pods already report stay theirs (scanned once). */
  private seed(cache: ObjectCache): void {
    if (this.seeded) return;
    this.seeded = true;
    for (const pod of cache.list('Pod')) {
      const node = this.nodes.get(pod.spec?.nodeName);
      if (!node || !pod.status?.podIP) continue;
      node.podIps.claim(keyOf(pod), pod.status.podIP);
      this.placed.set(keyOf(pod), node.name);
    }
  }
}
