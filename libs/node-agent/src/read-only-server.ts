import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { KubeObject } from '@logbook/kube';
import type { ContainerRuntime, LogOptions } from '@logbook/runtime';
import { Registry } from 'prom-client';
import { closeServer, healthRoutes, listenOn } from '@logbook/observability';
import type { Summary } from './resource-stats';

export interface ReadOnlySource {
  readonly runtime: ContainerRuntime;
  pods(): KubeObject[];
  node(): KubeObject | undefined;
  /** Served on /metrics; default a private registry (process metrics are the agent process's to add). */
  readonly registry?: Registry;
  /** `/stats/summary`: kubelet's Summary API subset (usage of the node and its pods). */
  summary?(): Summary;
  /** /readyz: the node is registered and the agent follows its pods. Default: ready once serving. */
  ready?(): boolean;
}

/**
 * The kubelet's read-only port: `/healthz`, `/livez`, `/readyz`, `/metrics`, `/pods` (a PodList
 * of this node's pods), `/spec` (capacity and system info), `/stats/summary` (usage, which the
 * API server's metrics.k8s.io serves to `kubectl top`) and `/containerLogs/<ns>/<pod>/<container>` (the API server's `pods/<name>/log` proxies to it).
 * No authentication: bind it to a trusted address.
 */
export class ReadOnlyServer {
  private server?: Server;
  private readonly health: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

  constructor(private readonly source: ReadOnlySource) {
    this.health = healthRoutes({
      registry: source.registry ?? new Registry(),
      ready: () => source.ready?.() ?? true,
      notReadyReason: 'the node is not registered or its pods are not followed yet',
    });
  }

  async listen(port: number, host: string): Promise<number> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err) => {
        if (!res.headersSent) send(res, 500, { message: (err as Error).message });
        else res.destroy();
      });
    });
    this.server = server;
    return listenOn(server, port, host);
  }

  async close(): Promise<void> {
    if (this.server) await closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://agent');
    if (req.method !== 'GET') return send(res, 405, { message: 'read-only' });
    if (await this.health(req, res)) return;
    if (url.pathname === '/pods') return send(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: this.source.pods() });
    if (url.pathname === '/spec') {
      const node = this.source.node();
      return send(res, 200, { name: node?.metadata.name, capacity: node?.status?.capacity, allocatable: node?.status?.allocatable, nodeInfo: node?.status?.nodeInfo, addresses: node?.status?.addresses });
    }
    if (url.pathname === '/stats/summary' && this.source.summary) return send(res, 200, this.source.summary());
    const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (m) return this.logs(req, res, decodeURIComponent(m[1]), decodeURIComponent(m[2]), decodeURIComponent(m[3]), url.searchParams);
    send(res, 404, { message: `no such path ${url.pathname}` });
  }

  private async logs(req: IncomingMessage, res: ServerResponse, namespace: string, name: string, container: string, q: URLSearchParams): Promise<void> {
    const pod = this.source.pods().find((p) => p.metadata.namespace === namespace && p.metadata.name === name);
    if (!pod) return send(res, 404, { message: `pod ${namespace}/${name} is not on this node` });
    const known = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].some((c: any) => c.name === container);
    if (!known) return send(res, 400, { message: `container ${container} is not valid for pod ${name}` });
    const options = logOptions(q);
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const lines = this.source.runtime.logs(pod.metadata.uid!, container, options)[Symbol.asyncIterator]();
    let closed = false;
    req.on('close', () => {
      closed = true;
      void lines.return?.();
    });
    for (;;) {
      const next = await lines.next();
      if (next.done || closed) break;
      if (!res.write(next.value.endsWith('\n') ? next.value : next.value + '\n')) await new Promise((r) => res.once('drain', r));
    }
    res.end();
  }
}

export function logOptions(q: URLSearchParams): LogOptions {
  const flag = (k: string) => q.get(k) === 'true' || q.get(k) === '1' || q.get(k) === '';
  const num = (k: string) => (q.get(k) !== null && q.get(k) !== '' ? Number(q.get(k)) : undefined);
  return {
    ...(q.has('follow') && flag('follow') ? { follow: true } : {}),
    ...(q.has('timestamps') && flag('timestamps') ? { timestamps: true } : {}),
    ...(q.has('previous') && flag('previous') ? { previous: true } : {}),
    ...(num('tailLines') !== undefined ? { tailLines: num('tailLines') } : {}),
    ...(num('sinceSeconds') !== undefined ? { sinceSeconds: num('sinceSeconds') } : {}),
    ...(num('limitBytes') !== undefined ? { limitBytes: num('limitBytes') } : {}),
  };
}

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}
