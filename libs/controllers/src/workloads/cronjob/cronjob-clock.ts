/**
 * The CronJob controller's time source. In production it is the host's clock; tests inject a
 * clock of their own so that `*\/1 * * * *` fires without waiting real minutes.
 */
export interface CronJobClock {
  now(): Date;
  /** Real milliseconds until this clock has advanced by `ms` (what the work queue waits). */
  realDelayMs(ms: number): number;
}

/**
 * A clock that starts at `start` and runs `rate` times faster than real time: at rate 60 a
 * schedule of every minute fires every real second. For tests of the whole controller manager.
 */
export class ScaledClock implements CronJobClock {
  private readonly startMs: number;
  private readonly realStart = performance.now();

  constructor(
    start: Date,
    private readonly rate: number,
  ) {
    if (!(rate > 0)) throw new Error(`ScaledClock rate must be positive, got ${rate}`);
    this.startMs = start.getTime();
  }

  now(): Date {
    return new Date(this.startMs + (performance.now() - this.realStart) * this.rate);
  }

  realDelayMs(ms: number): number {
    return Math.ceil(ms / this.rate);
  }
}
