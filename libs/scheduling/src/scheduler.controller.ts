import { type KubeObject, objectKey } from '@logbook/kube';
import { type CachedChange, ClientError, type Controller, type ObjectCache, type ReconcileContext, keyOf, splitKey } from '@logbook/components';
import type { Profile } from './framework';
import { occupiesNode } from './node-info';
import { nodeIsReady } from './plugins/node-ready';
import { DEFAULT_SCHEDULER_CONFIG, type SchedulerConfig, buildProfile } from './registry';
import { schedule } from './schedule';
import { SchedulerSnapshot } from './snapshot';
import type { Registry } from 'prom-client';
import { type AttemptResult, SchedulerMetrics } from './scheduler-metrics';

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

export interface SchedulerControllerOptions {
  /** How long a binding this scheduler made counts without the cache showing it. Default 30 s. */
  readonly assumeTtlMs?: number;
  /** Concurrent reconciles; assumptions are taken synchronously, so workers never overcommit. Default 4. */
  readonly workers?: number;
  /** See ScheduleOptions; default adaptive like kube-scheduler, 100 = every node every cycle. */
  readonly percentageOfNodesToScore?: number;
}

/** Whether this scheduler should place the pod: unbound, alive, and addressed to it. */
export function needsScheduling(pod: KubeObject | undefined): pod is KubeObject {
  if (!pod || pod.spec?.nodeName || pod.metadata.deletionTimestamp) return false;
  const scheduler = pod.spec?.schedulerName;
  return scheduler === undefined || scheduler === DEFAULT_SCHEDULER_NAME;
}

/** A node change that could let a pod fit that did not before (a heartbeat alone cannot). */
export function nodeChangeMayHelp(before: KubeObject | undefined, after: KubeObject | undefined): boolean {
  if (!after) return false;
  if (!before) return true;
  const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  return (
    (!nodeIsReady(before) && nodeIsReady(after)) ||
    !same(before.status?.allocatable, after.status?.allocatable) ||
    !same(before.status?.capacity, after.status?.capacity) ||
    !same(before.spec?.taints, after.spec?.taints) ||
    !!before.spec?.unschedulable !== !!after.spec?.unschedulable ||
    !same(before.metadata.labels, after.metadata.labels)
  );
}

/** A pod change that frees room on a node: deleted while bound, or finished. */
export function podLeftNode(before: KubeObject | undefined, after: KubeObject | undefined): boolean {
  return occupiesNode(before) && !occupiesNode(after);
}

/**
 * The scheduler as a controller on Pods (DESIGN §4; after kube-scheduler's scheduling queue):
 * every unbound pod gets one cycle of filters and scores, then a binding with its
 * resourceVersion as precondition, so two replicas can never bind a pod twice. A pod that fits
 * nowhere gets PodScheduled=False with the reasons and waits in a set of unschedulable keys that
 * node and pod changes which could make room bring back — event-driven retries, no busy loop.
 */
export class SchedulerController implements Controller {
  readonly name = 'scheduler';
  readonly eventSource = DEFAULT_SCHEDULER_NAME;
  readonly primaryKind = 'Pod';
  /** Claims, volumes and classes for the VolumeBinding filter. */
  readonly watches = ['Pod', 'Node', 'PersistentVolumeClaim', 'PersistentVolume', 'StorageClass'];
  readonly workers: number;
  private readonly profile: Profile;
  private readonly assumeTtlMs: number;
  private readonly snapshot = new SchedulerSnapshot();
  /** The cache the snapshot mirrors; until the first reconcile there is none. */
  private mirrored?: ObjectCache;
  private readonly unschedulable = new Set<string>();
  private readonly percentageOfNodesToScore?: number;
  /** Successive cycles start filtering where the last one stopped, so no node is always last. */
  private nextStartIndex = 0;
  private metrics?: SchedulerMetrics;

  constructor(config: SchedulerConfig = DEFAULT_SCHEDULER_CONFIG, options: SchedulerControllerOptions = {}) {
    this.profile = buildProfile(config, undefined, { lister: () => this.mirrored });
    this.assumeTtlMs = options.assumeTtlMs ?? 30_000;
    this.workers = options.workers ?? 32;
    this.percentageOfNodesToScore = options.percentageOfNodesToScore;
  }

  /** Keys of pods that failed their last cycle and wait for a change that could help. */
  get unschedulableKeys(): readonly string[] {
    return [...this.unschedulable];
  }

  instrument(registry: Registry): void {
    this.metrics = new SchedulerMetrics(registry);
  }

  keysFor(change: CachedChange): string[] {
    const { before, after } = change;
    // The snapshot follows every change once it mirrors the cache (keysFor sees them all, after the cache applied them).
    if (change.kind === 'Node') {
      if (this.mirrored) this.snapshot.onNode(before, after);
      return nodeChangeMayHelp(before, after) ? [...this.unschedulable] : [];
    }
    // A claim created or bound, a volume or a class appearing: pods waiting on their claims may fit now.
    if (change.kind === 'PersistentVolumeClaim' || change.kind === 'PersistentVolume' || change.kind === 'StorageClass') return [...this.unschedulable];
    if (change.kind !== 'Pod') return [];
    if (this.mirrored) this.snapshot.onPod(before, after);
    const key = keyOf((after ?? before)!);
    if (!needsScheduling(after)) this.unschedulable.delete(key);
    const keys = needsScheduling(after) ? [key] : [];
    if (podLeftNode(before, after)) for (const k of this.unschedulable) if (k !== key) keys.push(k);
    return keys;
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pod = ctx.cache.get('Pod', namespace, name);
    if (!needsScheduling(pod)) {
      this.unschedulable.delete(key);
      return;
    }
    this.syncSnapshot(ctx);
    if (this.snapshot.isAssumed(key)) return; // bound by us a moment ago; the cache has not caught up

    const started = performance.now();
    let result: AttemptResult = 'error';
    try {
      result = await this.attempt(key, pod, ctx);
    } finally {
      this.metrics?.observe(result, (performance.now() - started) / 1000);
    }
  }

  /** One scheduling cycle: filters and scores, then the binding (or the Unschedulable condition). */
  private async attempt(key: string, pod: KubeObject, ctx: ReconcileContext): Promise<AttemptResult> {
    const { namespace, name } = splitKey(key);
    const nodeInfos = this.snapshot.nodeInfos();
    const debug = ctx.log.isLevelEnabled?.('debug') ?? true;
    const result = schedule(pod, nodeInfos, this.profile, { startIndex: this.nextStartIndex, percentageOfNodesToScore: this.percentageOfNodesToScore, withScores: debug });
    this.nextStartIndex = nodeInfos.length ? (this.nextStartIndex + (result.evaluated ?? 0)) % nodeInfos.length : 0;
    if (!result.node) {
      this.unschedulable.add(key);
      const message = result.reasons ?? 'unschedulable';
      // Every failed attempt, as kube-scheduler: the recorder counts the repeats on one Event.
      ctx.recorder.event(pod, 'Warning', 'FailedScheduling', message, ctx.cause);
      await this.markUnschedulable(pod, message, ctx);
      return 'unschedulable';
    }
    this.unschedulable.delete(key);
    // Assume before the first await: the next cycle (another worker) already counts this pod.
    this.snapshot.assume(pod, result.node, ctx.now().getTime() + this.assumeTtlMs);
    if (debug) ctx.log.debug({ pod: key, node: result.node, top: topScores(result.scores ?? {}) }, 'scheduling pod');
    try {
      await ctx.client.bind(namespace ?? 'default', name, result.node, pod.metadata.resourceVersion ?? '', ctx.cause);
    } catch (err) {
      this.snapshot.forget(key);
      // 409: another replica bound it, or the pod changed — the event that changed it queues it again.
      if (err instanceof ClientError && err.isConflict) {
        ctx.log.debug({ pod: key, err: err.message }, 'binding conflict');
        return 'error';
      }
      throw err;
    }
    ctx.recorder.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${namespace ?? 'default'}/${name} to ${result.node}`, ctx.cause);
    return 'scheduled';
  }

  private syncSnapshot(ctx: ReconcileContext): void {
    if (this.mirrored !== ctx.cache) {
      this.snapshot.reset(ctx.cache.list('Node'), ctx.cache.list('Pod'));
      this.mirrored = ctx.cache;
    }
    for (const key of this.snapshot.expire(ctx.now().getTime())) ctx.log.warn({ pod: key }, 'binding never showed up in the cache; assumption dropped');
  }

  /** PodScheduled=False, written only when the message changes (our own write comes back as an event). */
  private async markUnschedulable(pod: KubeObject, message: string, ctx: ReconcileContext): Promise<void> {
    const conditions: any[] = pod.status?.conditions ?? [];
    const previous = conditions.find((c) => c?.type === 'PodScheduled');
    if (previous?.status === 'False' && previous.reason === 'Unschedulable' && previous.message === message) return;
    const condition = {
      type: 'PodScheduled',
      status: 'False',
      reason: 'Unschedulable',
      message,
      lastProbeTime: null,
      lastTransitionTime: previous?.status === 'False' && previous.lastTransitionTime ? previous.lastTransitionTime : ctx.now().toISOString(),
    };
    const updated = structuredClone(pod);
    updated.status = { ...updated.status, phase: updated.status?.phase ?? 'Pending', conditions: [...conditions.filter((c) => c?.type !== 'PodScheduled'), condition] };
    ctx.log.debug({ pod: objectKey(pod.metadata.namespace, pod.metadata.name!), message }, 'pod unschedulable');
    await ctx.client.updateStatus(updated, ctx.cause);
  }
}

/** The three best nodes, in one pass (a cycle on a large cluster scores hundreds). */
function topScores(scores: Record<string, number>): Record<string, number> {
  const top: [string, number][] = [];
  for (const name in scores) {
    const score = scores[name];
    if (top.length === 3 && score <= top[2][1]) continue;
    let i = Math.min(top.length, 2);
    if (top.length < 3) top.push([name, score]);
    else top[2] = [name, score];
    for (; i > 0 && top[i][1] > top[i - 1][1]; i--) [top[i], top[i - 1]] = [top[i - 1], top[i]];
  }
  return Object.fromEntries(top);
}
