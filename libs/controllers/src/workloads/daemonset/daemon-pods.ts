import type { KubeObject } from '@logbook/kube';
import { type Toleration, firstUntoleratedTaint, matchesNodeSelectorAndAffinity } from '@logbook/scheduling';
import { controllerRef } from '../pod-from-template';
import { CONTROLLER_REVISION_HASH } from '../history/controller-revisions';

/**
 * What makes a DaemonSet pod (pkg/controller/daemon/util and NodeShouldRunDaemonPod): the
 * tolerations every daemon pod gets, the node it belongs to, and whether a node should run one.
 * Pods are placed by the scheduler, as since Kubernetes 1.12: each carries a required node
 * affinity on `metadata.name` of its node, so the scheduler's filters (resources, ports, Ready)
 * still apply and `kubectl describe pod` explains a Pending one.
 */

/** kube's AddOrUpdateDaemonPodTolerations: lifecycle taints must not evict or block daemons. */
export function daemonPodTolerations(podSpec: any): Toleration[] {
  const wanted: Toleration[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
    ...(podSpec?.hostNetwork ? [{ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' }] : []),
  ];
  // AddOrUpdateTolerationInPodSpec: the daemon toleration replaces a user one with the same key and effect.
  const own: Toleration[] = (podSpec?.tolerations ?? []).filter((t: Toleration) => !wanted.some((w) => w.key === t.key && w.effect === t.effect));
  return [...own, ...wanted];
}

/** kube's ReplaceDaemonSetPodNodeNameNodeAffinity: the required terms become one matchFields term. */
export function affinityForNode(affinity: any, nodeName: string): any {
  const required = { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }] };
  const copy = structuredClone(affinity ?? {});
  copy.nodeAffinity = { ...(copy.nodeAffinity ?? {}), requiredDuringSchedulingIgnoredDuringExecution: required };
  return copy;
}

/** The daemon pod for `nodeName`, labelled with the template's revision hash. */
export function daemonPodFor(ds: KubeObject, nodeName: string, hash: string): KubeObject {
  const template = ds.spec?.template ?? {};
  const meta = template.metadata ?? {};
  const spec = structuredClone(template.spec ?? {});
  spec.tolerations = daemonPodTolerations(spec);
  spec.affinity = affinityForNode(spec.affinity, nodeName);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${ds.metadata.name}-`,
      namespace: ds.metadata.namespace,
      labels: { ...(meta.labels ?? {}), [CONTROLLER_REVISION_HASH]: hash },
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ownerReferences: [controllerRef(ds)],
    },
    spec,
  };
}

/** The node a daemon pod is for: where it is bound, else the node its affinity names (kube's GetTargetNodeName). */
export function targetNodeOf(pod: KubeObject): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  for (const term of pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of term?.matchFields ?? []) if (f?.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
  }
  return undefined;
}

export interface NodeDecision {
  /** A daemon pod should be created here if there is none. */
  readonly shouldRun: boolean;
  /** A daemon pod already here may stay (it tolerates every NoExecute taint). */
  readonly shouldContinueRunning: boolean;
}

/**
 * kube's NodeShouldRunDaemonPod: nodeName, nodeSelector and required node affinity must fit;
 * NoSchedule and NoExecute taints must be tolerated (with the daemon tolerations), except that
 * a pod already running stays unless a NoExecute taint is untolerated.
 */
export function nodeShouldRunDaemonPod(node: KubeObject, ds: KubeObject): NodeDecision {
  const spec = ds.spec?.template?.spec ?? {};
  const no = { shouldRun: false, shouldContinueRunning: false };
  if (spec.nodeName && spec.nodeName !== node.metadata.name) return no;
  const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: {}, spec: { ...spec, tolerations: daemonPodTolerations(spec) } };
  if (!matchesNodeSelectorAndAffinity(pod, node)) return no;
  const taints = node.spec?.taints;
  if (!firstUntoleratedTaint(taints, pod.spec.tolerations, ['NoSchedule', 'NoExecute'])) return { shouldRun: true, shouldContinueRunning: true };
  return { shouldRun: false, shouldContinueRunning: !firstUntoleratedTaint(taints, pod.spec.tolerations, ['NoExecute']) };
}
