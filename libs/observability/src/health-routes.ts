import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

export interface HealthRoutesOptions {
  readonly registry: Registry;
  /** Whether the component can do its work (consumers joined, relay caught up). Default: always. */
  readonly ready?: () => boolean | Promise<boolean>;
  /** What /readyz says while not ready. */
  readonly notReadyReason?: string;
}

/**
 * `/healthz` and `/livez` (200 while the process serves HTTP at all), `/readyz` (503 with a
 * reason until ready) and `/metrics` (Prometheus text). Returns false for any other path, so a
 * server with more routes (the node agent's read-only port) can mount these beside its own.
 */
export function healthRoutes(o: HealthRoutesOptions): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  return async (req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://health');
    switch (pathname) {
      case '/healthz':
      case '/livez':
        text(res, 200, 'ok');
        return true;
      case '/readyz':
        await serveReadiness(o, res);
        return true;
      case '/metrics':
        await serveMetrics(o.registry, res);
        return true;
      default:
        return false;
    }
  };
}

async function serveReadiness(o: HealthRoutesOptions, res: ServerResponse): Promise<void> {
  let ready: boolean;
  let reason = o.notReadyReason ?? 'starting';
  try {
    ready = (await o.ready?.()) ?? true;
  } catch (err) {
    ready = false;
    reason = `readiness check failed: ${(err as Error).message}`;
  }
  text(res, ready ? 200 : 503, ready ? 'ok' : `not ready: ${reason}`);
}

/** The registry's text exposition with prom-client's content type (text format 0.0.4). */
export async function serveMetrics(registry: Registry, res: ServerResponse): Promise<void> {
  const body = await registry.metrics();
  res.writeHead(200, { 'Content-Type': registry.contentType });
  res.end(body);
}

function text(res: ServerResponse, code: number, body: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(body);
}
