import { createServer } from 'node:http';
import { closeServer, listenOn } from './http-listen';
import type { Registry } from 'prom-client';
import { healthRoutes } from './health-routes';

export interface HealthServerOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly registry: Registry;
  readonly ready?: () => boolean | Promise<boolean>;
  /** What /readyz says while not ready, e.g. "consumers have not joined their groups yet". */
  readonly notReadyReason?: string;
}

export interface HealthServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A component's own small HTTP server for `/healthz`, `/livez`, `/readyz` and `/metrics`
 * (like kube-scheduler's 10259 and kube-controller-manager's 10257). Plain HTTP without
 * authentication: bind it to an address only the cluster's monitoring reaches.
 */
export async function startHealthServer(o: HealthServerOptions): Promise<HealthServer> {
  const routes = healthRoutes(o);
  const server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET', 'Content-Type': 'text/plain' });
      res.end('method not allowed');
      return;
    }
    routes(req, res)
      .then((served) => {
        if (served) return;
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('not found: /healthz, /livez, /readyz and /metrics are served here');
      })
      .catch((err: Error) => {
        if (res.headersSent) return void res.destroy();
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(`error: ${err.message}`);
      });
  });
  const host = o.host ?? '127.0.0.1';
  const port = await listenOn(server, o.port, host).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EADDRINUSE') throw err;
    throw new Error(`the health port ${o.port} on ${host} is in use (another replica on this machine?): set LOGBOOK_HEALTH_PORT to a free port, or 0 to pick one`);
  });
  return {
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () => closeServer(server),
  };
}
