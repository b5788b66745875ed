import type { Registry } from 'prom-client';
import { counter, gauge } from './metrics-registry';

type LabelValues<L extends string> = Partial<Record<L, string | number>>;

/** Reports a source's current values into the gauge (called at each scrape). */
export type GaugeSource<L extends string> = (set: (labels: LabelValues<L>, value: number) => void) => void | Promise<void>;

export interface CollectedGauge<L extends string> {
  /** Adds a source; the returned function removes it (a stopped component stops reporting). */
  add(source: GaugeSource<L>): () => void;
}

const sourcesByRegistry = new WeakMap<Registry, Map<string, Set<GaugeSource<string>>>>();

/**
 * A gauge computed when scraped rather than kept up to date: work-queue depths, consumer lag,
 * the relay's distance to the log's head. Several parts of one process may feed one gauge
 * (`logbook up` runs two controller hosts on one registry), so it holds a set of sources.
 * A source that fails is left out of that scrape and counted in
 * `logbook_metric_collect_errors_total` (visible from the next scrape: prom-client reads all
 * metrics of a scrape at once); the scrape itself never fails.
 */
export function collectedGauge<L extends string>(registry: Registry, config: { name: string; help: string; labelNames: readonly L[] }): CollectedGauge<L> {
  let byName = sourcesByRegistry.get(registry);
  if (!byName) sourcesByRegistry.set(registry, (byName = new Map()));
  let sources = byName.get(config.name) as Set<GaugeSource<L>> | undefined;
  if (!sources) {
    const own = new Set<GaugeSource<L>>();
    sources = own;
    byName.set(config.name, own as Set<GaugeSource<string>>);
    const errors = counter(registry, { name: 'logbook_metric_collect_errors_total', help: 'Scrape-time metric sources that failed (their series are missing from that scrape).', labelNames: ['metric'] });
    gauge<L>(registry, {
      ...config,
      async collect() {
        const values: [LabelValues<L>, number][] = [];
        await Promise.all(
          [...own].map(async (source) => {
            try {
              await source((labels, value) => values.push([labels, value]));
            } catch {
              errors.inc({ metric: config.name });
            }
          }),
        );
        this.reset();
        for (const [labels, value] of values) this.set(labels, value);
      },
    });
  }
  const set = sources;
  return {
    add(source) {
      set.add(source);
      return () => set.delete(source);
    },
  };
}
