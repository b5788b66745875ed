import type { KubeObject } from '@logbook/kube';
import { type Resources, emptyResources, nodeAllocatable, podRequests } from './resources';

/** A node with the pods bound to it and what they request: the unit every plugin looks at. */
export interface NodeInfo {
  readonly name: string;
  readonly node: KubeObject;
  readonly pods: readonly KubeObject[];
  readonly allocatable: Resources;
  /** Sum of the pods' requests (containers without requests count 0). pods = pods.length. */
  readonly requested: Resources;
  /** The same with kube's 100m / 200Mi defaults for missing requests: for scoring only. */
  readonly nonZeroRequested: Resources;
}

/** Whether a pod occupies its node: bound and not finished. */
export function occupiesNode(pod: KubeObject | undefined): boolean {
  return !!pod?.spec?.nodeName && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';
}

/** NodeInfos from plain lists (tests, one-off use); the controller keeps them incrementally. */
export function buildNodeInfos(nodes: readonly KubeObject[], pods: readonly KubeObject[]): NodeInfo[] {
  const byNode = new Map<string, KubeObject[]>();
  for (const p of pods) {
    if (!occupiesNode(p)) continue;
    const list = byNode.get(p.spec.nodeName) ?? [];
    list.push(p);
    byNode.set(p.spec.nodeName, list);
  }
  return nodes.map((node) => makeNodeInfo(node, byNode.get(node.metadata.name!) ?? []));
}

export function makeNodeInfo(node: KubeObject, pods: readonly KubeObject[]): NodeInfo {
  const requested = emptyResources();
  const nonZeroRequested = emptyResources();
  for (const p of pods) {
    const r = podRequests(p);
    requested.milliCpu += r.milliCpu;
    requested.memory += r.memory;
    nonZeroRequested.milliCpu += r.nonZeroMilliCpu;
    nonZeroRequested.memory += r.nonZeroMemory;
  }
  requested.pods = nonZeroRequested.pods = pods.length;
  return { name: node.metadata.name!, node, pods, allocatable: nodeAllocatable(node), requested, nonZeroRequested };
}
