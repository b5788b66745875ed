import type { KubeObject } from '@logbook/kube';
import { qosClass } from '@logbook/hollow';
import { shouldRestart } from './backoff';
import type { ContainerRecord, PodRecord } from './pod-record';
import { kubeTime } from './time';

export interface StatusInputs {
  readonly hostIP: string;
  readonly now: Date;
}

type Phase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

/**
 * The pod's status as the kubelet reports it, from what the agent knows of its containers.
 * Pure; conditions keep their lastTransitionTime while their status does not change, so the
 * same inputs give the same status and an unchanged pod is not written again.
 */
export function buildPodStatus(pod: KubeObject, rec: PodRecord, at: StatusInputs): any {
  const now = kubeTime(at.now);
  const policy = pod.spec?.restartPolicy ?? 'Always';
  const inits: any[] = pod.spec?.initContainers ?? [];
  const mains: any[] = pod.spec?.containers ?? [];
  const initRecs = inits.map((c) => rec.containers.get(c.name));
  const mainRecs = mains.map((c) => rec.containers.get(c.name));
  const initialized = initRecs.every((r) => exitedWith(r) === 0);
  const phase = podPhase(policy, initRecs, mainRecs, initialized);
  const done = phase === 'Succeeded' || phase === 'Failed';
  const containersReady = !done && initialized && mainRecs.every((r) => r?.state?.state === 'running' && r.ready && r.started);
  const podIP = rec.sandbox?.ip;
  const status: any = {
    ...pod.status,
    phase,
    conditions: conditions(pod, now, { initialized, containersReady, done }),
    hostIP: at.hostIP,
    hostIPs: [{ ip: at.hostIP }],
    ...(podIP ? { podIP, podIPs: [{ ip: podIP }] } : {}),
    startTime: pod.status?.startTime ?? rec.startTime ?? now,
    qosClass: qosClass(pod),
    containerStatuses: mains.map((c, i) => containerStatus(c, mainRecs[i], policy, rec)),
  };
  if (inits.length) status.initContainerStatuses = inits.map((c, i) => containerStatus(c, initRecs[i], policy === 'Always' ? 'OnFailure' : policy, rec));
  else delete status.initContainerStatuses;
  if (!podIP) {
    delete status.podIP;
    delete status.podIPs;
  }
  return status;
}

function exitedWith(r: ContainerRecord | undefined): number | undefined {
  return r?.state?.state === 'exited' ? r.state.exitCode : undefined;
}

/** Exited and not coming back under the restart policy. */
function finished(policy: string, r: ContainerRecord | undefined): boolean {
  const code = exitedWith(r);
  return code !== undefined && !shouldRestart(policy, code);
}

export function podPhase(policy: string, inits: (ContainerRecord | undefined)[], mains: (ContainerRecord | undefined)[], initialized: boolean): Phase {
  // An init container that failed and may not restart fails the pod (restartPolicy Never).
  if (inits.some((r) => exitedWith(r) !== undefined && exitedWith(r) !== 0 && policy === 'Never')) return 'Failed';
  if (!initialized) return 'Pending';
  if (mains.length > 0 && mains.every((r) => finished(policy, r))) return mains.every((r) => exitedWith(r) === 0) ? 'Succeeded' : 'Failed';
  return mains.some((r) => r?.state !== undefined) ? 'Running' : 'Pending';
}

function containerStatus(spec: any, r: ContainerRecord | undefined, policy: string, rec: PodRecord): any {
  const out: any = {
    name: spec.name,
    image: spec.image,
    imageID: `process://${spec.image}`,
    ready: false,
    started: false,
    restartCount: r?.restartCount ?? 0,
    state: { waiting: { reason: 'ContainerCreating' } },
    lastState: {},
  };
  if (!r) return out;
  if (r.imageID) out.imageID = r.imageID;
  const pid = r.state?.state === 'running' ? r.state.pid : r.lastPid;
  const id = r.containerID ?? (pid !== undefined ? `process://${pid}` : undefined);
  if (id !== undefined) out.containerID = id;
  if (r.last) out.lastState = { terminated: terminated(r.last, r.lastContainerID ?? processId(r.lastPid)) };
  const s = r.state;
  if (r.waiting && s?.state !== 'running') {
    out.state = { waiting: { reason: r.waiting.reason, ...(r.waiting.message ? { message: r.waiting.message } : {}) } };
    // While backing off after an exit, the exit is the last state (as kubectl shows it).
    if (s?.state === 'exited') out.lastState = { terminated: terminated(s, id) };
  } else if (s?.state === 'running') {
    out.state = { running: { startedAt: kubeTime(s.startedAt) } };
    out.started = r.started;
    out.ready = r.started && r.ready;
  } else if (s?.state === 'exited') {
    out.state = { terminated: terminated(s, id) };
    if (!shouldRestart(policy, s.exitCode)) out.started = false;
  }
  void rec;
  return out;
}

function terminated(s: { exitCode: number; reason: string; startedAt: string; finishedAt: string; signal?: string; message?: string }, containerID?: string): any {
  return {
    exitCode: s.exitCode,
    reason: s.reason || (s.exitCode === 0 ? 'Completed' : 'Error'),
    ...(s.message ? { message: s.message } : {}),
    ...(s.signal ? { signal: signalNumber(s.signal) } : {}),
    startedAt: kubeTime(s.startedAt),
    finishedAt: kubeTime(s.finishedAt),
    ...(containerID !== undefined ? { containerID } : {}),
  };
}

function processId(pid: number | undefined): string | undefined {
  return pid === undefined ? undefined : `process://${pid}`;
}

function signalNumber(signal: string): number | undefined {
  const table: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGTERM: 15 };
  return table[signal];
}

const OURS = ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'];

function conditions(pod: KubeObject, now: string, s: { initialized: boolean; containersReady: boolean; done: boolean }): any[] {
  const previous: any[] = pod.status?.conditions ?? [];
  const want: Record<string, boolean> = { PodScheduled: true, Initialized: s.initialized, ContainersReady: s.containersReady, Ready: s.containersReady };
  const reasons: Record<string, string | undefined> = {
    Initialized: s.initialized ? undefined : 'ContainersNotInitialized',
    ContainersReady: s.containersReady ? undefined : s.done ? 'PodCompleted' : 'ContainersNotReady',
    Ready: s.containersReady ? undefined : s.done ? 'PodCompleted' : 'ContainersNotReady',
  };
  const ours = OURS.map((type) => {
    const before = previous.find((c) => c.type === type);
    const status = want[type] ? 'True' : 'False';
    const lastTransitionTime = before?.status === status && before.lastTransitionTime ? before.lastTransitionTime : now;
    return { type, status, lastProbeTime: null, lastTransitionTime, ...(reasons[type] ? { reason: reasons[type] } : {}) };
  });
  return [...ours, ...previous.filter((c) => !OURS.includes(c.type))];
}

/** JSON with sorted keys: two statuses compare equal whatever order their keys were set in. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v));
}
