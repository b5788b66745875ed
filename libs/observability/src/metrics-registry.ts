import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type CounterConfiguration, type GaugeConfiguration, type HistogramConfiguration } from 'prom-client';

/**
 * A registry for one component process: prom-client's default process and Node.js metrics,
 * every series labelled with `component` (apiserver, relay, scheduler, …) so one Prometheus can
 * scrape them all and tell them apart. Each call makes a new registry — pass it down through
 * constructor options; nothing registers into prom-client's global default registry.
 */
export function createMetricsRegistry(component: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ component });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * Several parts of one process share a registry (`logbook up` runs every component in one);
 * a metric name can be registered only once, so each part asks for it by name and gets the
 * existing one when another part made it first.
 */
export function counter<L extends string>(registry: Registry, config: Omit<CounterConfiguration<L>, 'registers'>): Counter<L> {
  return existing(registry, config.name, Counter) ?? new Counter<L>({ ...config, registers: [registry] });
}

export function gauge<L extends string>(registry: Registry, config: Omit<GaugeConfiguration<L>, 'registers'>): Gauge<L> {
  return existing(registry, config.name, Gauge) ?? new Gauge<L>({ ...config, registers: [registry] });
}

export function histogram<L extends string>(registry: Registry, config: Omit<HistogramConfiguration<L>, 'registers'>): Histogram<L> {
  return existing(registry, config.name, Histogram) ?? new Histogram<L>({ ...config, registers: [registry] });
}

function existing<T>(registry: Registry, name: string, type: abstract new (...args: never[]) => T): T | undefined {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) return undefined;
  if (!(metric instanceof type)) throw new Error(`metric ${name} is already registered with another type`);
  return metric;
}

/** Buckets for durations from 0.5 ms to ~16 s (reconciles, scheduling cycles, API requests). */
export const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 16];
