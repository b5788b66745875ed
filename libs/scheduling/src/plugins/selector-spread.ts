import type { KubeObject } from '@logbook/kube';
import { MAX_NODE_SCORE, type ScorePlugin, perCycle } from '../framework';
import { type NodeInfo, controllerKey, controllerUid } from '../node-info';

/** Pods on the node with the same controller owner (same namespace) as `pod`, excluding itself. */
export function siblingsOnNode(pod: KubeObject, info: NodeInfo): number {
  const uid = controllerUid(pod);
  if (!uid) return 0;
  // A pod can only be among a node's pods if it names that node; otherwise the count is exact.
  if (info.podsByController && pod.spec?.nodeName !== info.name) return info.podsByController.get(controllerKey(pod)!) ?? 0;
  let n = 0;
  for (const other of info.pods) {
    if (other.metadata.namespace !== pod.metadata.namespace || other.metadata.name === pod.metadata.name) continue;
    if (controllerUid(other) === uid) n++;
  }
  return n;
}

const maxSiblings = new WeakMap<readonly NodeInfo[], { pod: KubeObject; value: number }>();

/**
 * Spreads one owner's pods (after the SelectorSpread plugin, by controller ownerReference rather
 * than by the selectors of Services and ReplicaSets): 100·(max − count)/max, all 100 when none.
 */
export const selectorSpread: ScorePlugin = {
  name: 'SelectorSpread',
  score(pod, info, all) {
    const max = perCycle(maxSiblings, pod, all, () => Math.max(0, ...all.map((n) => siblingsOnNode(pod, n))));
    if (max === 0) return MAX_NODE_SCORE;
    return Math.floor((MAX_NODE_SCORE * (max - siblingsOnNode(pod, info))) / max);
  },
};
