import type { KubeObject } from '@logbook/kube';
import { MAX_NODE_SCORE, type ScorePlugin } from '../framework';
import type { NodeInfo } from '../node-info';
import { podRequests } from '../resources';

/** (allocatable − requested)·100 / allocatable, integer, 0 when it does not fit (kube's leastResourceScorer). */
export function leastRequestedScore(requested: number, allocatable: number): number {
  if (allocatable === 0 || requested > allocatable) return 0;
  return Math.floor(((allocatable - requested) * MAX_NODE_SCORE) / allocatable);
}

/**
 * The mean over CPU and memory of the free share after placing the pod, with the 100m/200Mi
 * non-zero defaults so that pods without requests still spread.
 */
export function leastAllocatedScore(pod: KubeObject, info: NodeInfo): number {
  const r = podRequests(pod);
  const cpu = leastRequestedScore(info.nonZeroRequested.milliCpu + r.nonZeroMilliCpu, info.allocatable.milliCpu);
  const memory = leastRequestedScore(info.nonZeroRequested.memory + r.nonZeroMemory, info.allocatable.memory);
  return Math.floor((cpu + memory) / 2);
}

/**
 * (1 − standard deviation of the requested fractions)·100 over CPU and memory, each fraction
 * capped at 1: a node whose CPU and memory fill evenly scores higher. Real requests, as kube.
 */
export function balancedAllocationScore(pod: KubeObject, info: NodeInfo): number {
  const r = podRequests(pod);
  const a = info.allocatable;
  // Two resources: the standard deviation is half the distance between the fractions.
  if (a.milliCpu === 0 || a.memory === 0) return MAX_NODE_SCORE;
  const cpu = Math.min(1, (info.requested.milliCpu + r.milliCpu) / a.milliCpu);
  const memory = Math.min(1, (info.requested.memory + r.memory) / a.memory);
  return Math.floor((1 - Math.abs(cpu - memory) / 2) * MAX_NODE_SCORE);
}

export const nodeResourcesLeastAllocated: ScorePlugin = {
  name: 'NodeResourcesLeastAllocated',
  score: (pod, info) => leastAllocatedScore(pod, info),
};

export const nodeResourcesBalancedAllocation: ScorePlugin = {
  name: 'NodeResourcesBalancedAllocation',
  score: (pod, info) => balancedAllocationScore(pod, info),
};
