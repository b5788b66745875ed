import type { ContainerRuntime } from '@logbook/runtime';
import { type ProbeOutcome, runProbe } from './probe-check';

/** After preStop, the container still gets this long before SIGKILL (the kubelet's minimum). */
const MIN_GRACE_AFTER_HOOK_SECONDS = 2;

export interface HookTarget {
  readonly runtime: ContainerRuntime;
  readonly podUid: string;
  readonly container: any;
  readonly podIP: string;
}

/**
 * Runs a lifecycle handler (exec, httpGet, tcpSocket, sleep) the way probes run, with a deadline.
 * A hook's outcome is pass/fail with the handler's output, as FailedPostStartHook and
 * FailedPreStopHook Events report it.
 */
export async function runHook(handler: any, t: HookTarget, timeoutMs: number): Promise<ProbeOutcome> {
  if (handler?.sleep) {
    const ms = Math.min(Number(handler.sleep.seconds ?? 0) * 1000, timeoutMs);
    await new Promise((resolve) => setTimeout(resolve, ms).unref());
    return { ok: true };
  }
  return runProbe(handler, t, timeoutMs);
}

/**
 * Runs preStop within the grace period and returns what is left of it for SIGTERM → SIGKILL.
 * No hook: the whole grace period.
 */
export async function runPreStop(t: HookTarget, graceSeconds: number, failed: (output: string) => void): Promise<number> {
  const handler = t.container?.lifecycle?.preStop;
  if (!handler || graceSeconds <= 0) return graceSeconds;
  const started = Date.now();
  const outcome = await runHook(handler, t, graceSeconds * 1000);
  if (!outcome.ok) failed(outcome.output);
  const left = graceSeconds - Math.ceil((Date.now() - started) / 1000);
  return Math.max(left, MIN_GRACE_AFTER_HOOK_SECONDS);
}
