import type { KubeObject } from '@logbook/kube';
import type { FilterPlugin } from '../framework';
import { SUCCESS, unresolvable } from '../status';

export const ERR_NODE_NAME = "node(s) didn't match the requested node name";

/** A pod that names its node runs there or nowhere. */
export function matchesNodeName(pod: KubeObject, nodeName: string): boolean {
  return !pod.spec?.nodeName || pod.spec.nodeName === nodeName;
}

export const nodeName: FilterPlugin = {
  name: 'NodeName',
  filter: (pod, info) => (matchesNodeName(pod, info.name) ? SUCCESS : unresolvable(ERR_NODE_NAME)),
};
