import { closeSync, openSync, readSync } from 'node:fs';
import type { ContainerState, ContainerStatus } from '../container-runtime.port';
import { CONTAINER_NAME, IMAGE, POD_UID, TERMINATION_LOG } from './cri-labels';
import type { CriContainerStatus } from './cri-types';

const MAX_TERMINATION_MESSAGE = 4096; // the kubelet's cap on a termination message

/** CRI times are nanoseconds since the epoch, as decimal strings. */
export function isoOfNanos(ns: string): string {
  return new Date(Number(BigInt(ns || '0') / 1_000_000n)).toISOString();
}

/** The port's view of one CRI container (pure but for reading the termination message file). */
export function containerStatusOf(s: CriContainerStatus, pid?: number): ContainerStatus {
  const base = {
    podUid: s.labels[POD_UID],
    name: s.labels[CONTAINER_NAME] ?? s.metadata.name,
    attempt: s.metadata.attempt,
    containerID: `containerd://${s.id}`,
    image: s.annotations[IMAGE] ?? s.image?.image,
    // containerd's image_ref is the repo digest when the image came from a registry, else the image id.
    imageID: s.imageRef,
  };
  const state = stateOf(s, pid);
  if (state.state === 'running') return { ...base, status: state };
  const message = terminationMessage(s.annotations[TERMINATION_LOG]) || s.message;
  return message ? { ...base, status: { ...state, message }, message } : { ...base, status: state };
}

function stateOf(s: CriContainerStatus, pid: number | undefined): ContainerState {
  const startedAt = isoOfNanos(s.startedAt !== '0' ? s.startedAt : s.createdAt);
  switch (s.state) {
    case 'CONTAINER_RUNNING':
      return { state: 'running', pid: pid ?? 0, startedAt };
    case 'CONTAINER_EXITED':
      return {
        state: 'exited',
        exitCode: s.exitCode,
        startedAt,
        finishedAt: isoOfNanos(s.finishedAt),
        reason: s.reason || (s.exitCode === 0 ? 'Completed' : 'Error'),
      };
    case 'CONTAINER_CREATED':
      // Created but never started: the agent died between the two calls, or start failed.
      return { state: 'exited', exitCode: 128, startedAt, finishedAt: startedAt, reason: s.reason || 'ContainerCannotRun' };
    default:
      return { state: 'exited', exitCode: 255, startedAt, finishedAt: isoOfNanos(s.finishedAt !== '0' ? s.finishedAt : s.createdAt), reason: 'Unknown' };
  }
}

function terminationMessage(path: string | undefined): string {
  if (!path) return '';
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return '';
  }
  try {
    const buf = Buffer.alloc(MAX_TERMINATION_MESSAGE);
    return buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
