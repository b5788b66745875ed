import type { KubeObject } from '@logbook/kube';
import { intValue, milliValue } from './quantity';

/** CPU in millicores, memory in bytes, pods as a count. */
export interface Resources {
  milliCpu: number;
  memory: number;
  pods: number;
}

export const emptyResources = (): Resources => ({ milliCpu: 0, memory: 0, pods: 0 });

/** kube-scheduler's defaults for containers without requests, used by scoring only. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

/** A pod's requests (`nonZero` for scoring) as the scheduler counts them. */
export interface PodRequests {
  readonly milliCpu: number;
  readonly memory: number;
  readonly nonZeroMilliCpu: number;
  readonly nonZeroMemory: number;
}

function containerRequests(c: any): { cpu?: number; memory?: number } {
  // Requests default to limits when only limits are set (the API server's defaulting does this in kube).
  const cpu = c?.resources?.requests?.cpu ?? c?.resources?.limits?.cpu;
  const memory = c?.resources?.requests?.memory ?? c?.resources?.limits?.memory;
  return { cpu: cpu === undefined ? undefined : milliValue(cpu), memory: memory === undefined ? undefined : intValue(memory) };
}

/**
 * Sum over containers, at least the largest init container (they run one at a time before the
 * others), plus spec.overhead — computePodResourceRequest in kube-scheduler.
 */
export function podRequests(pod: KubeObject): PodRequests {
  // A cycle asks for the same pod once per filter and score per node: answer that from the last pod asked.
  if (pod === last.pod) return last.requests;
  // Cached objects are read-only, so a pod's requests are parsed once, not once per node.
  let r = memo.get(pod);
  if (!r) memo.set(pod, (r = computePodRequests(pod)));
  last = { pod, requests: r };
  return r;
}

const memo = new WeakMap<KubeObject, PodRequests>();
let last: { pod?: KubeObject; requests: PodRequests } = { requests: { milliCpu: 0, memory: 0, nonZeroMilliCpu: 0, nonZeroMemory: 0 } };

function computePodRequests(pod: KubeObject): PodRequests {
  let milliCpu = 0;
  let memory = 0;
  let nonZeroMilliCpu = 0;
  let nonZeroMemory = 0;
  for (const c of pod.spec?.containers ?? []) {
    const r = containerRequests(c);
    milliCpu += r.cpu ?? 0;
    memory += r.memory ?? 0;
    nonZeroMilliCpu += r.cpu ?? DEFAULT_MILLI_CPU_REQUEST;
    nonZeroMemory += r.memory ?? DEFAULT_MEMORY_REQUEST;
  }
  for (const c of pod.spec?.initContainers ?? []) {
    const r = containerRequests(c);
    milliCpu = Math.max(milliCpu, r.cpu ?? 0);
    memory = Math.max(memory, r.memory ?? 0);
    nonZeroMilliCpu = Math.max(nonZeroMilliCpu, r.cpu ?? DEFAULT_MILLI_CPU_REQUEST);
    nonZeroMemory = Math.max(nonZeroMemory, r.memory ?? DEFAULT_MEMORY_REQUEST);
  }
  const overhead = pod.spec?.overhead;
  if (overhead?.cpu !== undefined) {
    milliCpu += milliValue(overhead.cpu);
    nonZeroMilliCpu += milliValue(overhead.cpu);
  }
  if (overhead?.memory !== undefined) {
    memory += intValue(overhead.memory);
    nonZeroMemory += intValue(overhead.memory);
  }
  return { milliCpu, memory, nonZeroMilliCpu, nonZeroMemory };
}

/** status.allocatable, falling back to capacity; a missing pods limit means 110 (the kubelet default). */
export function nodeAllocatable(node: KubeObject): Resources {
  const a = node.status?.allocatable ?? node.status?.capacity ?? {};
  const c = node.status?.capacity ?? {};
  const cpu = a.cpu ?? c.cpu;
  const memory = a.memory ?? c.memory;
  const pods = a.pods ?? c.pods;
  return {
    milliCpu: cpu === undefined ? 0 : milliValue(cpu),
    memory: memory === undefined ? 0 : intValue(memory),
    pods: pods === undefined ? 110 : intValue(pods),
  };
}
