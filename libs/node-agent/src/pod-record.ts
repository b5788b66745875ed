import type { ContainerState, PodSandbox } from '@logbook/runtime';
import type { BackoffState } from './backoff';

/** What the agent knows of one container of one pod, between reconciles. */
export interface ContainerRecord {
  readonly name: string;
  readonly init: boolean;
  /** The runtime's attempt number of `state` (meaningful once `state` is set). */
  attempt: number;
  state?: ContainerState;
  /** The previous attempt's exit (status.lastState). */
  last?: Extract<ContainerState, { state: 'exited' }>;
  lastPid?: number;
  restartCount: number;
  backoff: BackoffState;
  /** A back-off in progress: not restarted before this time (ms since the epoch). */
  restartAt?: number;
  backoffMs?: number;
  /** finishedAt of the exit whose restart (or not) is already decided. */
  handledExit?: string;
  /** Why it is not running: ContainerCreating, CreateContainerError, CreateContainerConfigError… */
  waiting?: { readonly reason: string; readonly message?: string };
  /** Startup probe passed (or none). */
  started: boolean;
  /** Readiness probe passing (or none). */
  ready: boolean;
  /** The runtime's ids of the current attempt (containerStatuses[].containerID, imageID). */
  containerID?: string;
  imageID?: string;
  /** The previous attempt's container id (lastState.terminated.containerID). */
  lastContainerID?: string;
}

/** A pod this agent runs: its sandbox and containers; keyed by uid (a re-created pod is a new record). */
export interface PodRecord {
  readonly key: string;
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  sandbox?: PodSandbox;
  readonly containers: Map<string, ContainerRecord>;
  startTime?: string;
  /** The grace period to stop with when the pod object vanished without a graceful deletion. */
  graceSeconds: number;
  terminating?: Promise<void>;
}

export function newContainerRecord(name: string, init: boolean): ContainerRecord {
  return { name, init, attempt: 0, restartCount: 0, backoff: { step: 0 }, started: false, ready: false };
}

export function containerRecord(rec: PodRecord, name: string, init: boolean): ContainerRecord {
  let c = rec.containers.get(name);
  if (!c) rec.containers.set(name, (c = newContainerRecord(name, init)));
  return c;
}
