import type { KubeObject } from '@logbook/kube';
import { MAX_NODE_SCORE, type ScorePlugin, perCycle } from '../framework';
import { type NodeInfo, controllerKey, controllerUid } from '../node-info';

/**
 * Pods on the node with the same controller owner (same namespace) as `pod`, excluding itself.
 * `key` is the pod's controllerKey; a scheduling cycle computes it once for all its nodes.
 */
export function siblingsOnNode(pod: KubeObject, info: NodeInfo, key: string | undefined = controllerKey(pod)): number {
  if (key === undefined) return 0;
  // A pod can only be among a node's pods if it names that node; otherwise the count is exact.
  if (info.podsByController && pod.spec?.nodeName !== info.name) return info.podsByController.get(key) ?? 0;
  const uid = controllerUid(pod);
  let n = 0;
  for (const other of info.pods) {
    if (other.metadata.namespace !== pod.metadata.namespace || other.metadata.name === pod.metadata.name) continue;
    if (controllerUid(other) === uid) n++;
  }
  return n;
}

interface Spread {
  readonly key: string | undefined;
  readonly max: number;
}

const spreads = new WeakMap<readonly NodeInfo[], { pod: KubeObject; value: Spread }>();

/** The pod's controller key and the most siblings on any feasible node, once per cycle. */
function spreadOf(pod: KubeObject, all: readonly NodeInfo[]): Spread {
  return perCycle(spreads, pod, all, () => {
    const key = controllerKey(pod);
    let max = 0;
    if (key !== undefined) for (const n of all) max = Math.max(max, siblingsOnNode(pod, n, key));
    return { key, max };
  });
}

/**
 * Spreads one owner's pods (after the SelectorSpread plugin, by controller ownerReference rather
 * than by the selectors of Services and ReplicaSets): 100·(max − count)/max, all 100 when none.
 */
export const selectorSpread: ScorePlugin = {
  name: 'SelectorSpread',
  score(pod, info, all) {
    const { key, max } = spreadOf(pod, all);
    if (max === 0) return MAX_NODE_SCORE;
    return Math.floor((MAX_NODE_SCORE * (max - siblingsOnNode(pod, info, key))) / max);
  },
};
