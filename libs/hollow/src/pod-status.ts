import type { KubeObject } from '@logbook/kube';
import { kubeTime } from './time';

export const EXIT_CODE_ANNOTATION = 'hollow.logbook.io/exit-code';

/** Pods that run to completion (Jobs): their containers exit, so a hollow pod "completes". */
export function runsToCompletion(pod: KubeObject): boolean {
  const policy = pod.spec?.restartPolicy;
  return policy === 'Never' || policy === 'OnFailure';
}

/** The exit code a hollow pod's containers end with: 0 unless the annotation says otherwise. */
export function hollowExitCode(pod: KubeObject): number {
  const raw = pod.metadata.annotations?.[EXIT_CODE_ANNOTATION];
  const code = raw === undefined ? 0 : Number.parseInt(raw, 10);
  return Number.isInteger(code) ? code : 0;
}

export function containerId(pod: KubeObject, container: string): string {
  return `hollow://${pod.metadata.uid}-${container}`;
}

/** The status a kubelet reports once every container started and is ready. */
export function runningPodStatus(pod: KubeObject, at: { podIP: string; hostIP: string; now: Date }): any {
  const now = kubeTime(at.now);
  const startTime = pod.status?.startTime ?? now;
  return {
    ...pod.status,
    phase: 'Running',
    hostIP: at.hostIP,
    hostIPs: [{ ip: at.hostIP }],
    podIP: at.podIP,
    podIPs: [{ ip: at.podIP }],
    startTime,
    qosClass: qosClass(pod),
    conditions: podConditions(pod, now, { ready: true }),
    ...(pod.spec?.initContainers?.length ? { initContainerStatuses: containerStatuses(pod, pod.spec.initContainers, { terminated: { exitCode: 0, reason: 'Completed', startedAt: startTime, finishedAt: now } }) } : {}),
    containerStatuses: containerStatuses(pod, pod.spec?.containers ?? [], { running: { startedAt: now } }),
  };
}

/** The status of a pod whose containers all exited with `exitCode`: Succeeded on 0, else Failed. */
export function terminatedPodStatus(pod: KubeObject, exitCode: number, now: Date): any {
  const at = kubeTime(now);
  const phase = exitCode === 0 ? 'Succeeded' : 'Failed';
  const reason = exitCode === 0 ? 'Completed' : 'Error';
  const started = (name: string) => pod.status?.containerStatuses?.find((c: any) => c.name === name)?.state?.running?.startedAt ?? pod.status?.startTime ?? at;
  return {
    ...pod.status,
    phase,
    conditions: podConditions(pod, at, { ready: false, reason: 'PodCompleted' }),
    containerStatuses: (pod.spec?.containers ?? []).map((c: any) => ({
      ...containerStatus(pod, c),
      ready: false,
      started: false,
      state: { terminated: { exitCode, reason, startedAt: started(c.name), finishedAt: at, containerID: containerId(pod, c.name) } },
    })),
  };
}

function containerStatuses(pod: KubeObject, containers: any[], state: object): any[] {
  return containers.map((c) => ({ ...containerStatus(pod, c), ready: !('terminated' in state), started: !('terminated' in state), state }));
}

function containerStatus(pod: KubeObject, c: any): any {
  return { name: c.name, ready: true, started: true, restartCount: 0, image: c.image, imageID: `hollow://${c.image}`, containerID: containerId(pod, c.name) };
}

const OURS = ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'];

/** PodScheduled and Initialized True; Ready and ContainersReady as given. Others are kept. */
function podConditions(pod: KubeObject, now: string, ready: { ready: boolean; reason?: string }): any[] {
  const previous: any[] = pod.status?.conditions ?? [];
  const want: Record<string, boolean> = { PodScheduled: true, Initialized: true, ContainersReady: ready.ready, Ready: ready.ready };
  const ours = OURS.map((type) => {
    const before = previous.find((c) => c.type === type);
    const status = want[type] ? 'True' : 'False';
    const lastTransitionTime = before?.status === status && before.lastTransitionTime ? before.lastTransitionTime : now;
    const reason = !want[type] && ready.reason ? { reason: ready.reason } : {};
    return { type, status, lastProbeTime: null, lastTransitionTime, ...reason };
  });
  return [...ours, ...previous.filter((c) => !OURS.includes(c.type))];
}

/** Kubernetes' QoS class from the containers' requests and limits (cpu and memory). */
export function qosClass(pod: KubeObject): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers: any[] = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  const resources = containers.map((c) => ({ requests: c.resources?.requests ?? {}, limits: c.resources?.limits ?? {} }));
  const any = resources.some((r) => ['cpu', 'memory'].some((k) => r.requests[k] !== undefined || r.limits[k] !== undefined));
  if (!any) return 'BestEffort';
  // A limit without a request defaults the request to the limit.
  const guaranteed = resources.every((r) => ['cpu', 'memory'].every((k) => r.limits[k] !== undefined && (r.requests[k] === undefined || String(r.requests[k]) === String(r.limits[k]))));
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
