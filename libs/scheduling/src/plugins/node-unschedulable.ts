import type { KubeObject } from '@logbook/kube';
import type { FilterPlugin } from '../framework';
import { SUCCESS, unresolvable } from '../status';
import { tolerated } from './tolerations';

export const ERR_UNSCHEDULABLE = 'node(s) were unschedulable';
export const UNSCHEDULABLE_TAINT_KEY = 'node.kubernetes.io/unschedulable';

/** A cordoned node takes only pods that tolerate the unschedulable taint (as DaemonSet pods do). */
export function schedulableFor(pod: KubeObject, node: KubeObject): boolean {
  if (!node.spec?.unschedulable) return true;
  return tolerated(pod.spec?.tolerations, { key: UNSCHEDULABLE_TAINT_KEY, effect: 'NoSchedule' });
}

export const nodeUnschedulable: FilterPlugin = {
  name: 'NodeUnschedulable',
  filter: (pod, info) => (schedulableFor(pod, info.node) ? SUCCESS : unresolvable(ERR_UNSCHEDULABLE)),
};
