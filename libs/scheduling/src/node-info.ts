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
  /** Pods here per `controllerKey` (spreading reads it instead of scanning `pods`). */
  readonly podsByController?: ReadonlyMap<string, number>;
  /** The pods here with required anti-affinity terms (kube's PodsWithRequiredAntiAffinity). */
  readonly podsWithRequiredAntiAffinity?: readonly KubeObject[];
}

export function controllerUid(pod: KubeObject): string | undefined {
  return pod.metadata.ownerReferences?.find((r) => r.controller)?.uid;
}

/** Namespace and controller owner uid: siblings are pods sharing it. */
export function controllerKey(pod: KubeObject): string | undefined {
  const uid = controllerUid(pod);
  return uid === undefined ? undefined : `${pod.metadata.namespace ?? ''}\0${uid}`;
}

export function hasRequiredAntiAffinity(pod: KubeObject): boolean {
  return (pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length ?? 0) > 0;
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
  const podsByController = new Map<string, number>();
  for (const p of pods) {
    const key = controllerKey(p);
    if (key) podsByController.set(key, (podsByController.get(key) ?? 0) + 1);
    const r = podRequests(p);
    requested.milliCpu += r.milliCpu;
    requested.memory += r.memory;
    nonZeroRequested.milliCpu += r.nonZeroMilliCpu;
    nonZeroRequested.memory += r.nonZeroMemory;
  }
  requested.pods = nonZeroRequested.pods = pods.length;
  const podsWithRequiredAntiAffinity = pods.filter(hasRequiredAntiAffinity);
  return { name: node.metadata.name!, node, pods, allocatable: nodeAllocatable(node), requested, nonZeroRequested, podsByController, podsWithRequiredAntiAffinity };
}
