import { type ProbeOutcome, runProbe, type ProbeTarget } from './probe-check';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

/** A probe's timing and thresholds, in milliseconds (seconds × the agent's probe time scale). */
export interface ProbeTiming {
  readonly initialDelayMs: number;
  readonly periodMs: number;
  readonly timeoutMs: number;
  readonly successThreshold: number;
  readonly failureThreshold: number;
}

/** Kube's defaults: period 10 s, timeout 1 s, success 1, failure 3; `secondMs` scales seconds for tests. */
export function probeTiming(probe: any, secondMs: number): ProbeTiming {
  return {
    initialDelayMs: (probe.initialDelaySeconds ?? 0) * secondMs,
    periodMs: (probe.periodSeconds ?? 10) * secondMs,
    timeoutMs: (probe.timeoutSeconds ?? 1) * secondMs,
    successThreshold: probe.successThreshold ?? 1,
    failureThreshold: probe.failureThreshold ?? 3,
  };
}

/**
 * Counts consecutive results against the thresholds (pure): the result flips to success after
 * successThreshold successes in a row, to failure after failureThreshold failures in a row.
 */
export function nextResult(state: { result: boolean; successes: number; failures: number }, ok: boolean, timing: ProbeTiming): { result: boolean; successes: number; failures: number } {
  const successes = ok ? state.successes + 1 : 0;
  const failures = ok ? 0 : state.failures + 1;
  let result = state.result;
  if (ok && successes >= timing.successThreshold) result = true;
  if (!ok && failures >= timing.failureThreshold) result = false;
  return { result, successes, failures };
}

/**
 * Runs one probe of one container attempt on a timer and reports when its result changes.
 * Readiness and startup start out failed, liveness out passing (as in the kubelet).
 */
export class ProbeWorker {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private state: { result: boolean; successes: number; failures: number };

  constructor(
    readonly kind: ProbeKind,
    private readonly probe: any,
    private readonly target: ProbeTarget,
    private readonly timing: ProbeTiming,
    private readonly onChange: (result: boolean) => void,
    /** Every failed attempt, with why (the kubelet records each as an `Unhealthy` Event). */
    private readonly onFailure: (output: string) => void = () => undefined,
  ) {
    this.state = { result: kind === 'liveness', successes: 0, failures: 0 };
  }

  get result(): boolean {
    return this.state.result;
  }

  start(): void {
    this.schedule(this.timing.initialDelayMs);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const outcome: ProbeOutcome = await runProbe(this.probe, this.target, this.timing.timeoutMs).catch((err: Error) => ({ ok: false, output: err.message }));
    if (this.stopped) return;
    if (!outcome.ok) this.onFailure(outcome.output);
    const before = this.state.result;
    this.state = nextResult(this.state, outcome.ok, this.timing);
    if (this.state.result !== before) this.onChange(this.state.result);
    // A passed startup probe has done its job.
    if (this.kind === 'startup' && this.state.result) return;
    this.schedule(this.timing.periodMs);
  }
}
