import type { Counter, Histogram, Registry } from 'prom-client';
import { DURATION_BUCKETS, counter, histogram } from '@logbook/observability';

/** How a scheduling attempt ended, as kube-scheduler's `scheduler_schedule_attempts_total` names it. */
export type AttemptResult = 'scheduled' | 'unschedulable' | 'error';

/** Scheduling attempts by result and how long each took (filters, scores and the binding write). */
export class SchedulerMetrics {
  private readonly attempts: Counter<'result'>;
  private readonly durations: Histogram<'result'>;

  constructor(registry: Registry) {
    this.attempts = counter(registry, { name: 'logbook_scheduler_attempts_total', help: 'Scheduling attempts by result: scheduled, unschedulable (no node fits), error (the binding failed).', labelNames: ['result'] });
    this.durations = histogram(registry, {
      name: 'logbook_scheduler_attempt_duration_seconds',
      help: 'Time of one scheduling attempt (snapshot, filters, scores and the binding write), by result.',
      labelNames: ['result'],
      buckets: DURATION_BUCKETS,
    });
    // Series at zero from the start, so rate() sees the first attempt of each result.
    for (const result of ['scheduled', 'unschedulable', 'error'] as const) this.attempts.inc({ result }, 0);
  }

  observe(result: AttemptResult, seconds: number): void {
    this.attempts.inc({ result });
    this.durations.observe({ result }, seconds);
  }
}
