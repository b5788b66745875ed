import type { KubeObject } from '@logbook/kube';
import { type FilterPlugin, MAX_NODE_SCORE, type ScorePlugin, perCycle } from '../framework';
import type { NodeInfo } from '../node-info';
import { SUCCESS, unresolvable } from '../status';
import { type Taint, firstUntoleratedTaint, tolerated } from './tolerations';

/** The NoSchedule/NoExecute taint that keeps the pod off the node, if any. */
export function blockingTaint(pod: KubeObject, node: KubeObject): Taint | undefined {
  return firstUntoleratedTaint(node.spec?.taints, pod.spec?.tolerations, ['NoSchedule', 'NoExecute']);
}

export const taintTolerationFilter: FilterPlugin = {
  name: 'TaintToleration',
  filter(pod, info) {
    const taint = blockingTaint(pod, info.node);
    return taint ? unresolvable(`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`) : SUCCESS;
  },
};

/** PreferNoSchedule taints the pod does not tolerate (only tolerations with that effect or none count). */
export function intolerablePreferNoSchedule(pod: KubeObject, node: KubeObject): number {
  const tolerations = (pod.spec?.tolerations ?? []).filter((t: any) => !t.effect || t.effect === 'PreferNoSchedule');
  return ((node.spec?.taints ?? []) as Taint[]).filter((t) => t.effect === 'PreferNoSchedule' && !tolerated(tolerations, t)).length;
}

const maxCount = new WeakMap<readonly NodeInfo[], { pod: KubeObject; value: number }>();

/** Fewer intolerable PreferNoSchedule taints score higher: 100 − 100·count/max (reverse normalisation). */
export const taintTolerationScore: ScorePlugin = {
  name: 'TaintToleration',
  score(pod, info, all) {
    const max = perCycle(maxCount, pod, all, () => Math.max(0, ...all.map((n) => intolerablePreferNoSchedule(pod, n.node))));
    if (max === 0) return MAX_NODE_SCORE;
    return MAX_NODE_SCORE - Math.floor((intolerablePreferNoSchedule(pod, info.node) * MAX_NODE_SCORE) / max);
  },
};
