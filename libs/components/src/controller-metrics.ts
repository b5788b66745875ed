import type { Histogram, Registry } from 'prom-client';
import { DURATION_BUCKETS, collectedGauge, histogram } from '@logbook/observability';

/** How a reconcile ended (the `result` label). */
export type ReconcileOutcome = 'success' | 'requeue' | 'not_found' | 'conflict' | 'error';

/**
 * A controller host's metrics: reconcile durations by controller and outcome (the histogram's
 * `_count` is the number of reconciles) and work-queue depths read at scrape time.
 */
export class ControllerMetrics {
  private readonly durations: Histogram<'controller' | 'result'>;
  private readonly depth;

  constructor(registry: Registry) {
    this.durations = histogram(registry, {
      name: 'logbook_reconcile_duration_seconds',
      help: 'Time from the start of a reconcile to its end (writes included), by controller and result.',
      labelNames: ['controller', 'result'],
      buckets: DURATION_BUCKETS,
    });
    this.depth = collectedGauge(registry, { name: 'logbook_workqueue_depth', help: 'Keys waiting in the controller\'s work queue.', labelNames: ['controller'] });
  }

  observeReconcile(controller: string, result: ReconcileOutcome, seconds: number): void {
    this.durations.observe({ controller, result }, seconds);
  }

  /** Reports the queues' lengths at each scrape until the returned function is called. */
  trackQueues(queues: () => readonly { controller: string; length: number }[]): () => void {
    return this.depth.add((set) => {
      for (const q of queues()) set({ controller: q.controller }, q.length);
    });
  }
}
