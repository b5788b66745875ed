/** Crash-loop back-off settings (the kubelet's: 10 s doubling to 5 min, reset after 10 min running). */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
  /** A container that ran at least this long before exiting starts its back-off over. */
  readonly resetAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 };

/** Where a container stands in its back-off: how many restarts in a row were backed off. */
export interface BackoffState {
  readonly step: number;
}

/**
 * The delay before restarting a container that just exited, and the state after it. As the
 * kubelet: the first restart is immediate, then base, 2×base, … up to max; a run longer than
 * resetAfter starts over (so a long-lived server that crashes once restarts at once).
 */
export function nextRestart(policy: BackoffPolicy, state: BackoffState, ranMs: number): { delayMs: number; state: BackoffState } {
  const step = ranMs >= policy.resetAfterMs ? 0 : state.step;
  const delayMs = step === 0 ? 0 : Math.min(policy.baseMs * 2 ** (step - 1), policy.maxMs);
  return { delayMs, state: { step: step + 1 } };
}

/** Whether a container that exited with `exitCode` is restarted under the pod's restartPolicy. */
export function shouldRestart(restartPolicy: string | undefined, exitCode: number): boolean {
  if (restartPolicy === 'Never') return false;
  if (restartPolicy === 'OnFailure') return exitCode !== 0;
  return true; // Always (the default)
}
