import { type KubeObject, objectKey } from '@logbook/kube';
import { type NodeInfo, controllerKey, hasRequiredAntiAffinity, occupiesNode } from './node-info';
import { type Resources, emptyResources, nodeAllocatable, podRequests } from './resources';

class MutableNodeInfo implements NodeInfo {
  node!: KubeObject;
  allocatable: Resources = emptyResources();
  readonly pods: KubeObject[] = [];
  readonly requested = emptyResources();
  readonly nonZeroRequested = emptyResources();
  readonly podsByController = new Map<string, number>();
  readonly podsWithRequiredAntiAffinity: KubeObject[] = [];
  constructor(readonly name: string) {}

  setNode(node: KubeObject): void {
    if (this.node?.status?.allocatable !== node.status?.allocatable || this.node?.status?.capacity !== node.status?.capacity) this.allocatable = nodeAllocatable(node);
    this.node = node;
  }

  add(pod: KubeObject): void {
    const r = podRequests(pod);
    this.pods.push(pod);
    this.apply(r.milliCpu, r.memory, r.nonZeroMilliCpu, r.nonZeroMemory, 1);
    const key = controllerKey(pod);
    if (key) this.podsByController.set(key, (this.podsByController.get(key) ?? 0) + 1);
    if (hasRequiredAntiAffinity(pod)) this.podsWithRequiredAntiAffinity.push(pod);
  }

  remove(pod: KubeObject): void {
    const i = this.pods.indexOf(pod);
    if (i < 0) return;
    this.pods.splice(i, 1);
    const key = controllerKey(pod);
    const n = key ? (this.podsByController.get(key) ?? 0) - 1 : 0;
    if (key && n > 0) this.podsByController.set(key, n);
    else if (key) this.podsByController.delete(key);
    const j = this.podsWithRequiredAntiAffinity.indexOf(pod);
    if (j >= 0) this.podsWithRequiredAntiAffinity.splice(j, 1);
    const r = podRequests(pod);
    this.apply(-r.milliCpu, -r.memory, -r.nonZeroMilliCpu, -r.nonZeroMemory, -1);
  }

  private apply(cpu: number, memory: number, nzCpu: number, nzMemory: number, pods: number): void {
    this.requested.milliCpu += cpu;
    this.requested.memory += memory;
    this.requested.pods += pods;
    this.nonZeroRequested.milliCpu += nzCpu;
    this.nonZeroRequested.memory += nzMemory;
    this.nonZeroRequested.pods += pods;
  }
}

interface Placement {
  readonly node: string;
  readonly pod: KubeObject;
  /** Set while the binding is this scheduler's own and the cache has not shown it yet. */
  readonly assumedUntil?: number;
}

const podKey = (pod: KubeObject) => objectKey(pod.metadata.namespace, pod.metadata.name!);

/**
 * The scheduler's view of the cluster (kube-scheduler's cache): node infos kept current change by
 * change instead of rebuilt per pod, plus "assumed" pods — bindings this scheduler made that the
 * cache has not shown yet — so that pods scheduled back to back never overcommit a node.
 */
export class SchedulerSnapshot {
  private readonly nodes = new Map<string, MutableNodeInfo>();
  private readonly placements = new Map<string, Placement>();
  /** Keys of the placements that are assumptions, so expire() need not walk every placement. */
  private readonly assumed = new Set<string>();
  private ready: NodeInfo[] | undefined;

  /** Rebuilds from full lists, keeping the assumptions the lists do not settle yet. */
  reset(nodes: readonly KubeObject[], pods: readonly KubeObject[]): void {
    const assumed = [...this.placements.values()].filter((p) => p.assumedUntil !== undefined);
    this.nodes.clear();
    this.placements.clear();
    this.assumed.clear();
    this.ready = undefined;
    for (const n of nodes) this.onNode(undefined, n);
    for (const p of pods) this.onPod(undefined, p);
    for (const a of assumed) if (!this.placements.has(podKey(a.pod))) this.place(a);
  }

  onNode(before: KubeObject | undefined, after: KubeObject | undefined): void {
    const name = (after ?? before)!.metadata.name!;
    const info = this.entry(name);
    if (after) {
      if (!info.node) this.ready = undefined;
      info.setNode(after);
    } else {
      (info as { node?: KubeObject }).node = undefined;
      this.ready = undefined;
    }
  }

  /** A pod change; `after` undefined means deleted. */
  onPod(before: KubeObject | undefined, after: KubeObject | undefined): void {
    const key = podKey((after ?? before)!);
    const current = this.placements.get(key);
    if (after && occupiesNode(after)) {
      if (current) this.unplace(key, current);
      this.place({ node: after.spec.nodeName, pod: after });
    } else if (current && (!after || current.assumedUntil === undefined || after.spec?.nodeName)) {
      // Deleted, finished, or unbound by the cache's account while not our assumption. An assumed
      // pod the cache still shows unbound stays assumed: the binding is on its way.
      this.unplace(key, current);
    }
  }

  assume(pod: KubeObject, nodeName: string, untilMs: number): void {
    const key = podKey(pod);
    const current = this.placements.get(key);
    if (current) this.unplace(key, current);
    this.place({ node: nodeName, pod: { ...pod, spec: { ...pod.spec, nodeName } }, assumedUntil: untilMs });
  }

  isAssumed(key: string): boolean {
    return this.placements.get(key)?.assumedUntil !== undefined;
  }

  /** Drops an assumption (the binding failed). */
  forget(key: string): void {
    const current = this.placements.get(key);
    if (current?.assumedUntil !== undefined) this.unplace(key, current);
  }

  /** Drops assumptions the cache never confirmed in time (the binding was lost somewhere). */
  expire(nowMs: number): string[] {
    const expired: string[] = [];
    for (const key of this.assumed) {
      const p = this.placements.get(key)!;
      if (p.assumedUntil !== undefined && p.assumedUntil <= nowMs) {
        this.unplace(key, p);
        expired.push(key);
      }
    }
    return expired;
  }

  /** The nodes that exist, each with its pods (assumed ones included). Mutated in place later. */
  nodeInfos(): readonly NodeInfo[] {
    return (this.ready ??= [...this.nodes.values()].filter((n) => n.node).sort((a, b) => (a.name < b.name ? -1 : 1)));
  }

  private entry(name: string): MutableNodeInfo {
    let info = this.nodes.get(name);
    if (!info) this.nodes.set(name, (info = new MutableNodeInfo(name)));
    return info;
  }

  private place(p: Placement): void {
    this.placements.set(podKey(p.pod), p);
    if (p.assumedUntil !== undefined) this.assumed.add(podKey(p.pod));
    this.entry(p.node).add(p.pod);
  }

  private unplace(key: string, p: Placement): void {
    this.placements.delete(key);
    this.assumed.delete(key);
    this.nodes.get(p.node)?.remove(p.pod);
  }
}
