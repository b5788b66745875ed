import type { KubeObject } from '@logbook/kube';
import type { FilterPlugin } from '../framework';
import type { NodeInfo } from '../node-info';
import { podRequests } from '../resources';
import { SUCCESS, type Status, unschedulable } from '../status';

/** The resources the pod would lack on the node, in kube-scheduler's words. */
export function insufficientResources(pod: KubeObject, info: NodeInfo): string[] {
  const reasons: string[] = [];
  if (info.pods.length + 1 > info.allocatable.pods) reasons.push('Too many pods');
  const r = podRequests(pod);
  // A pod that requests nothing of a resource fits whatever is left of it (kube's fitsRequest).
  if (r.milliCpu > 0 && r.milliCpu > info.allocatable.milliCpu - info.requested.milliCpu) reasons.push('Insufficient cpu');
  if (r.memory > 0 && r.memory > info.allocatable.memory - info.requested.memory) reasons.push('Insufficient memory');
  return reasons;
}

/** The same test without the reasons: every node of every cycle asks, most of them fit. */
export function fitsResources(pod: KubeObject, info: NodeInfo): boolean {
  const r = podRequests(pod);
  const free = info.allocatable;
  const used = info.requested;
  return info.pods.length + 1 <= free.pods && (r.milliCpu <= 0 || r.milliCpu <= free.milliCpu - used.milliCpu) && (r.memory <= 0 || r.memory <= free.memory - used.memory);
}

export const nodeResourcesFit: FilterPlugin = {
  name: 'NodeResourcesFit',
  filter(pod, info): Status {
    if (fitsResources(pod, info)) return SUCCESS;
    return unschedulable(...insufficientResources(pod, info));
  },
};
