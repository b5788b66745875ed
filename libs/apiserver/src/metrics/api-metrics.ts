import type { ServerResponse } from 'node:http';
import type { Counter, Histogram, Registry } from 'prom-client';
import { DURATION_BUCKETS, counter, histogram, serveMetrics } from '@logbook/observability';
import type { RequestLabels } from './request-labels';

/**
 * The API server's metrics, named as Kubernetes names them: `apiserver_request_total` and
 * `apiserver_request_duration_seconds` by verb, resource, subresource and code; and
 * `logbook_events_appended_total` by kind, counted where every write appends.
 */
export class ApiMetrics {
  private readonly requests: Counter<'verb' | 'resource' | 'subresource' | 'code'>;
  private readonly durations: Histogram<'verb' | 'resource' | 'subresource'>;
  private readonly appended: Counter<'kind'>;

  constructor(readonly registry: Registry) {
    this.requests = counter(registry, { name: 'apiserver_request_total', help: 'API requests by verb, resource, subresource and HTTP code.', labelNames: ['verb', 'resource', 'subresource', 'code'] });
    this.durations = histogram(registry, {
      name: 'apiserver_request_duration_seconds',
      help: 'API request latency by verb, resource and subresource (watches and followed streams excluded).',
      labelNames: ['verb', 'resource', 'subresource'],
      buckets: DURATION_BUCKETS,
    });
    this.appended = counter(registry, { name: 'logbook_events_appended_total', help: 'Events this API server appended to the log, by object kind.', labelNames: ['kind'] });
  }

  observeRequest(labels: RequestLabels, code: number, seconds: number): void {
    const { verb, resource, subresource } = labels;
    this.requests.inc({ verb, resource, subresource, code: String(code) });
    if (!labels.longRunning) this.durations.observe({ verb, resource, subresource }, seconds);
  }

  onAppended(kind: string, events: number): void {
    this.appended.inc({ kind }, events);
  }

  serve(res: ServerResponse): Promise<void> {
    return serveMetrics(this.registry, res);
  }
}
