import type { Counter, Histogram, Registry } from 'prom-client';
import { collectedGauge, counter, histogram } from '@logbook/observability';

/**
 * The relay's metrics: events published, batch publish times, and — read at scrape time — its
 * checkpoint and its distance to the log's head (`logbook_relay_lag_events`, 0 when caught up).
 */
export class RelayMetrics {
  private readonly published: Counter;
  private readonly batches: Histogram;
  private readonly untrack: (() => void)[] = [];

  constructor(
    private readonly registry: Registry,
    private readonly name: string,
  ) {
    this.published = counter(registry, { name: 'logbook_relay_events_published_total', help: 'Log events the relay published and the bus acknowledged.' });
    this.batches = histogram(registry, {
      name: 'logbook_relay_batch_duration_seconds',
      help: 'Time to publish one batch of events until the bus acknowledged it and the checkpoint moved.',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    });
  }

  onPublished(events: number, ms: number): void {
    this.published.inc(events);
    this.batches.observe(ms / 1000);
  }

  /** Reports the checkpoint and the lag behind the log's head at each scrape, until stop(). */
  track(checkpoint: () => number, head: () => Promise<number>): void {
    const labelNames = ['relay'] as const;
    const lag = collectedGauge(this.registry, { name: 'logbook_relay_lag_events', help: 'Events appended to the log that the relay has not published yet (log head − checkpoint).', labelNames });
    const position = collectedGauge(this.registry, { name: 'logbook_relay_checkpoint_position', help: 'The last log position the bus acknowledged (the relay\'s checkpoint).', labelNames });
    this.untrack.push(
      lag.add(async (set) => set({ relay: this.name }, Math.max(0, (await head()) - checkpoint()))),
      position.add((set) => set({ relay: this.name }, checkpoint())),
    );
  }

  stop(): void {
    for (const stopReporting of this.untrack.splice(0)) stopReporting();
  }
}
