import type { KubeObject } from '@logbook/kube';
import type { FilterPlugin } from '../framework';
import { SUCCESS, unresolvable } from '../status';

export const ERR_NOT_READY = 'node(s) were not ready';

/**
 * Ready condition True. kube-scheduler relies on the not-ready/unreachable taints the node
 * lifecycle controller adds; this also covers the window before the taint is written.
 */
export function nodeIsReady(node: KubeObject): boolean {
  // Asked once per node per cycle; cached objects are immutable, so the answer is kept per object.
  const cached = readyMemo.get(node);
  if (cached !== undefined) return cached;
  const ready = (node.status?.conditions ?? []).some((c: any) => c?.type === 'Ready' && c.status === 'True');
  readyMemo.set(node, ready);
  return ready;
}

const readyMemo = new WeakMap<KubeObject, boolean>();

export const nodeReady: FilterPlugin = {
  name: 'NodeReady',
  filter: (_pod, info) => (nodeIsReady(info.node) ? SUCCESS : unresolvable(ERR_NOT_READY)),
};
