import { type CachedChange, type Controller, type ReconcileContext, type ReconcileResult, nodeReference, splitKey } from '@logbook/components';
import type { KubeObject } from '@logbook/kube';
import { type Condition, findCondition, toSeconds } from '../shared/conditions';
import { ignoreNotFound } from '../shared/ignore-not-found';
import { sameJson } from '../shared/same-json';
import { OWNED_TAINT_KEYS, type Taint, desiredLifecycleTaints, desiredUnschedulableTaint, evictionDeadline } from './taints';

export interface NodeLifecycleControllerOptions {
  /** A node whose Ready heartbeat is older than this becomes Unknown and unreachable. Default 40 s. */
  readonly gracePeriodMs?: number;
  /** How long a pod that has no toleration for the unreachable/not-ready taint stays. Default 300 s. */
  readonly defaultEvictionSeconds?: number;
  /** Every node is re-checked at least this often, since silence produces no events. Default gracePeriod / 2. */
  readonly resyncMs?: number;
  /**
   * Heartbeats count from no earlier than this: after the controller manager itself was down,
   * nodes get a full grace period to be seen again before they are declared lost (Kubernetes
   * gets the same effect by timing heartbeats with its own clock). Default: construction time.
   */
  readonly startedAt?: Date;
}

const UNKNOWN = { status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' } as const;

/**
 * Node lifecycle (Kubernetes' node lifecycle controller and taint manager in one): marks a
 * silent node's conditions Unknown, keeps the unreachable / not-ready taints in line with the
 * Ready condition, and evicts pods from NoExecute-tainted nodes once their toleration runs out.
 * Keyed by node name; it requeues itself because a node that stops heartbeating sends nothing.
 */
export class NodeLifecycleController implements Controller {
  readonly name = 'node-lifecycle-controller';
  readonly eventSource = 'node-controller';
  readonly primaryKind = 'Node';
  readonly watches = ['Node', 'Pod'] as const;
  private readonly graceMs: number;
  private readonly evictionSeconds: number;
  private readonly resyncMs: number;
  private readonly startedAtMs: number;
  /** Nodes this controller has registered (name → uid), for RegisteredNode / RemovingNode. */
  private readonly known = new Map<string, string>();

  constructor(options: NodeLifecycleControllerOptions = {}) {
    this.graceMs = options.gracePeriodMs ?? 40_000;
    this.evictionSeconds = options.defaultEvictionSeconds ?? 300;
    this.resyncMs = options.resyncMs ?? Math.max(1, Math.floor(this.graceMs / 2));
    this.startedAtMs = (options.startedAt ?? new Date()).getTime();
  }

  keysFor(change: CachedChange): string[] {
    if (change.kind === 'Node') return [(change.after ?? change.before)!.metadata.name!];
    // A pod landing on (or changing tolerations on) a tainted node may need a nearer eviction.
    const nodes = [change.before?.spec?.nodeName, change.after?.spec?.nodeName].filter((n): n is string => !!n);
    return [...new Set(nodes)];
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const name = splitKey(key).name;
    const node = ctx.cache.get('Node', undefined, name);
    if (!node) {
      if (this.known.delete(name)) ctx.recorder.event(nodeReference(name), 'Normal', 'RemovingNode', `Node ${name} event: Removing Node ${name} from Controller`, ctx.cause);
      return;
    }
    // As kube's node controller, once per node it starts to look after (again after a restart).
    if (this.known.get(name) !== node.metadata.uid) {
      this.known.set(name, node.metadata.uid!);
      ctx.recorder.event(nodeReference(name), 'Normal', 'RegisteredNode', `Node ${name} event: Registered Node ${name} in Controller`, ctx.cause);
    }
    const nowMs = ctx.now().getTime();
    const now = toSeconds(ctx.now());
    let current = node;

    const ready = findCondition(node.status?.conditions, 'Ready');
    const heartbeatMs = Math.max(Date.parse(ready?.lastHeartbeatTime ?? node.metadata.creationTimestamp ?? '') || 0, this.startedAtMs);
    const silent = nowMs - heartbeatMs > this.graceMs;
    if (silent && ready?.status !== 'Unknown') {
      ctx.log.info({ node: key, lastHeartbeatTime: ready?.lastHeartbeatTime }, 'node stopped posting status; marking it Unknown');
      current = await ctx.client.updateStatus({ ...node, status: { ...node.status, conditions: unknownConditions(node.status?.conditions, now) } }, ctx.cause);
      ctx.recorder.event(nodeReference(name), 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`, ctx.cause);
    }

    current = await this.syncTaints(current, now, ctx);
    const nextEvictionMs = await this.evict(current, nowMs, ctx);
    const untilSilentMs = silent ? Infinity : heartbeatMs + this.graceMs + 1 - nowMs;
    return { requeueAfterMs: Math.max(0, Math.min(this.resyncMs, untilSilentMs, nextEvictionMs)) };
  }

  private async syncTaints(node: KubeObject, now: string, ctx: ReconcileContext): Promise<KubeObject> {
    const taints: Taint[] = node.spec?.taints ?? [];
    const readyStatus = findCondition(node.status?.conditions, 'Ready')?.status;
    const next = [...taints.filter((t) => !OWNED_TAINT_KEYS.includes(t.key)), ...desiredUnschedulableTaint(node, taints, now), ...desiredLifecycleTaints(readyStatus, taints, now)];
    if (sameJson(next, taints)) return node;
    const spec = { ...node.spec, taints: next };
    if (next.length === 0) delete spec.taints;
    return ctx.client.update({ ...node, spec }, ctx.cause);
  }

  /** Deletes pods whose toleration has run out; the ms until the next one does (Infinity if none). */
  private async evict(node: KubeObject, nowMs: number, ctx: ReconcileContext): Promise<number> {
    const noExecute = ((node.spec?.taints ?? []) as Taint[]).filter((t) => t.effect === 'NoExecute');
    if (noExecute.length === 0) return Infinity;
    let next = Infinity;
    for (const pod of ctx.cache.list('Pod')) {
      if (pod.spec?.nodeName !== node.metadata.name || pod.metadata.deletionTimestamp) continue;
      const deadline = evictionDeadline(pod, noExecute, this.evictionSeconds);
      if (deadline === undefined) continue;
      if (deadline > nowMs) {
        next = Math.min(next, deadline - nowMs);
        continue;
      }
      ctx.log.info({ node: node.metadata.name, pod: `${pod.metadata.namespace}/${pod.metadata.name}` }, 'evicting pod from tainted node');
      // The uid precondition: a pod recreated under the same name elsewhere is not ours to delete.
      if (await ignoreNotFound(ctx.client.delete('Pod', pod.metadata.namespace, pod.metadata.name!, { ...ctx.cause, preconditions: { uid: pod.metadata.uid } }))) {
        ctx.recorder.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${pod.metadata.namespace}/${pod.metadata.name}`, ctx.cause);
      }
    }
    return next;
  }
}

function unknownConditions(conditions: readonly Condition[] | undefined, now: string): Condition[] {
  const list = (conditions ?? []).map((c) => (c.status === 'Unknown' ? c : { ...c, ...UNKNOWN, lastTransitionTime: now }));
  if (!list.some((c) => c.type === 'Ready')) {
    list.push({ type: 'Ready', status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastTransitionTime: now });
  }
  return list;
}
