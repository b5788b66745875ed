import type { KubeObject } from '@logbook/kube';

/**
 * The replica count one resource metric asks for, as Kubernetes' replica calculator computes it
 * (pkg/controller/podautoscaler/replica_calculator.go): pure, with time passed in.
 */
export const DEFAULT_TOLERANCE = 0.1;
/** Within this long after a pod starts, a CPU sample taken before it became ready is ignored. */
export const CPU_INITIALIZATION_PERIOD_MS = 5 * 60_000;
/** A pod that turned unready this soon after starting is taken as never having been ready. */
export const DELAY_OF_INITIAL_READINESS_STATUS_MS = 30_000;

/** One pod's usage of the resource (millicores for cpu, bytes for memory) and when it was read. */
export interface PodSample {
  readonly value: number;
  readonly timestampMs: number;
  readonly windowMs: number;
}

export interface ResourceTarget {
  readonly resource: 'cpu' | 'memory';
  /** Percentage of the pods' requests. */
  readonly averageUtilization?: number;
  /** Per-pod value in the resource's unit (millicores, bytes). */
  readonly averageValue?: number;
}

export interface ReplicaInput {
  readonly currentReplicas: number;
  readonly target: ResourceTarget;
  /** The pods the target's selector selects. */
  readonly pods: readonly KubeObject[];
  /** Pod name → sample; pods without one are "missing". */
  readonly samples: ReadonlyMap<string, PodSample>;
  /** Pod name → sum of its containers' requests of the resource; needed for utilization only. */
  readonly requests?: ReadonlyMap<string, number>;
  readonly nowMs: number;
  readonly tolerance?: number;
}

export interface ReplicaProposal {
  readonly replicas: number;
  /** Average utilization in percent (utilization targets only), from the pods with samples. */
  readonly utilization?: number;
  /** Average usage per pod with a sample, in the resource's unit. */
  readonly averageValue: number;
}

/** A proposal that cannot be made; the message becomes the ScalingActive condition's. */
export class MetricUnavailable extends Error {}

type Group = { readyCount: number; unready: Set<string>; missing: Set<string>; ignored: Set<string> };

export function groupPods(pods: readonly KubeObject[], samples: ReadonlyMap<string, PodSample>, resource: string, nowMs: number): Group {
  const g: Group = { readyCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    const name = pod.metadata.name!;
    if (pod.metadata.deletionTimestamp || pod.status?.phase === 'Failed') g.ignored.add(name);
    else if (!pod.status?.phase || pod.status.phase === 'Pending') g.unready.add(name);
    else if (!samples.has(name)) g.missing.add(name);
    else if (resource === 'cpu' && cpuUnready(pod, samples.get(name)!, nowMs)) g.unready.add(name);
    else g.readyCount++;
  }
  return g;
}

function cpuUnready(pod: KubeObject, sample: PodSample, nowMs: number): boolean {
  const ready = (pod.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
  const start = pod.status?.startTime ? Date.parse(pod.status.startTime) : NaN;
  if (!ready || Number.isNaN(start)) return true;
  const transition = Date.parse(ready.lastTransitionTime ?? pod.status.startTime);
  if (start + CPU_INITIALIZATION_PERIOD_MS > nowMs) {
    // Still initialising: trust only samples of a whole window taken after the pod became ready.
    return ready.status === 'False' || sample.timestampMs < transition + sample.windowMs;
  }
  // Unready and never ready since it started.
  return ready.status === 'False' && start + DELAY_OF_INITIAL_READINESS_STATUS_MS > transition;
}

/** usage / target over the pods with samples: per-pod averages for values, requests for utilization. */
function usageRatio(samples: ReadonlyMap<string, PodSample>, input: ReplicaInput): { ratio: number; utilization?: number; average: number } {
  let usage = 0;
  let requested = 0;
  for (const [name, s] of samples) {
    usage += s.value;
    if (input.target.averageUtilization !== undefined) {
      const r = input.requests?.get(name);
      if (!r) throw new MetricUnavailable(`missing request for ${input.target.resource} on pod ${name}`);
      requested += r;
    }
  }
  const average = samples.size ? usage / samples.size : 0;
  if (input.target.averageUtilization !== undefined) {
    if (requested === 0) throw new MetricUnavailable(`no request for ${input.target.resource} on the targeted pods`);
    const utilization = Math.trunc((usage * 100) / requested);
    return { ratio: utilization / input.target.averageUtilization, utilization, average };
  }
  return { ratio: average / input.target.averageValue!, average };
}

export function proposeReplicas(input: ReplicaInput): ReplicaProposal {
  const { currentReplicas, pods, target, nowMs } = input;
  const tolerance = input.tolerance ?? DEFAULT_TOLERANCE;
  if (pods.length === 0) throw new MetricUnavailable('no pods returned by selector while calculating replica count');
  const g = groupPods(pods, input.samples, target.resource, nowMs);
  const samples = new Map([...input.samples].filter(([name]) => pods.some((p) => p.metadata.name === name) && !g.ignored.has(name) && !g.unready.has(name)));
  if (samples.size === 0) throw new MetricUnavailable('did not receive metrics for targeted pods (pods might be unready)');

  const first = usageRatio(samples, input);
  const result = (replicas: number): ReplicaProposal => ({ replicas, utilization: first.utilization, averageValue: first.average });
  const scaleUpWithUnready = g.unready.size > 0 && first.ratio > 1;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (Math.abs(1 - first.ratio) <= tolerance) return result(currentReplicas);
    return result(Math.ceil(first.ratio * g.readyCount));
  }

  // Conservatively: missing pods use 100 % of the target on a scale-down and nothing on a
  // scale-up; unready pods nothing on a scale-up. Then the ratio is computed again.
  const filled = new Map(samples);
  const blank = (value: number): PodSample => ({ value, timestampMs: nowMs, windowMs: 0 });
  for (const name of g.missing) {
    if (first.ratio < 1) {
      const request = input.requests?.get(name) ?? 0;
      filled.set(name, blank(target.averageUtilization !== undefined ? Math.max(request, (request * target.averageUtilization) / 100) : target.averageValue!));
    } else if (first.ratio > 1) filled.set(name, blank(0));
  }
  if (scaleUpWithUnready) for (const name of g.unready) filled.set(name, blank(0));
  const second = usageRatio(filled, input);
  if (Math.abs(1 - second.ratio) <= tolerance || (first.ratio < 1 && second.ratio > 1) || (first.ratio > 1 && second.ratio < 1)) return result(currentReplicas);
  const replicas = Math.ceil(second.ratio * filled.size);
  if ((second.ratio < 1 && replicas > currentReplicas) || (second.ratio > 1 && replicas < currentReplicas)) return result(currentReplicas);
  return result(replicas);
}

/**
 * Each pod's summed container requests of `resource` (millicores or bytes). A container without
 * one makes utilization impossible, and Kubernetes says which.
 */
export function podRequests(pods: readonly KubeObject[], resource: string, parse: (q: string) => number): Map<string, number> {
  const out = new Map<string, number>();
  for (const pod of pods) {
    let sum = 0;
    for (const c of (pod.spec?.containers ?? []) as any[]) {
      const q = c.resources?.requests?.[resource];
      if (q === undefined) throw new MetricUnavailable(`missing request for ${resource} in container ${c.name} of Pod ${pod.metadata.name}`);
      sum += parse(String(q));
    }
    out.set(pod.metadata.name!, sum);
  }
  return out;
}
