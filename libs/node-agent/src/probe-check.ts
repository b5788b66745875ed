import { request } from 'node:http';
import { connect } from 'node:net';
import type { ContainerRuntime } from '@logbook/runtime';

export interface ProbeTarget {
  readonly runtime: ContainerRuntime;
  readonly podUid: string;
  readonly container: any;
  readonly podIP: string;
}

/** One probe attempt: true on success. exec → exit 0; httpGet → 2xx/3xx; tcpSocket → connects. */
export async function runProbe(probe: any, t: ProbeTarget, timeoutMs: number): Promise<boolean> {
  if (probe.exec) {
    const result = await t.runtime.exec(t.podUid, t.container.name, probe.exec.command ?? [], timeoutMs).catch(() => ({ exitCode: -1 }));
    return result.exitCode === 0;
  }
  if (probe.httpGet) return httpProbe(probe.httpGet, t, timeoutMs);
  if (probe.tcpSocket) return tcpProbe(probe.tcpSocket.host ?? t.podIP, resolvePort(probe.tcpSocket.port, t.container), timeoutMs);
  return true; // a probe without a handler (grpc is not supported) passes
}

/** A named port refers to the container's ports. */
export function resolvePort(port: number | string, container: any): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const named = (container.ports ?? []).find((p: any) => p.name === port);
  if (!named) throw new Error(`port "${port}" is not a port of container ${container.name}`);
  return named.containerPort;
}

function httpProbe(get: any, t: ProbeTarget, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let port: number;
    try {
      port = resolvePort(get.port, t.container);
    } catch {
      return resolve(false);
    }
    const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.32' };
    for (const h of get.httpHeaders ?? []) headers[h.name] = h.value;
    const req = request({ host: get.host ?? t.podIP, port, path: get.path ?? '/', method: 'GET', headers, timeout: timeoutMs }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      resolve(code >= 200 && code < 400);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
