import { request } from 'node:http';
import { connect } from 'node:net';
import type { ContainerRuntime } from '@logbook/runtime';

export interface ProbeTarget {
  readonly runtime: ContainerRuntime;
  readonly podUid: string;
  readonly container: any;
  readonly podIP: string;
}

/** One probe attempt's result; a failure says why, as the kubelet's `Unhealthy` Events do. */
export type ProbeOutcome = { readonly ok: true } | { readonly ok: false; readonly output: string };

const PASSED: ProbeOutcome = { ok: true };
/** The kubelet keeps at most 10 KiB of probe output; an Event message needs much less. */
const MAX_OUTPUT = 1024;

/** One probe attempt. exec → exit 0; httpGet → 2xx/3xx; tcpSocket → connects. */
export async function runProbe(probe: any, t: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  if (probe.exec) return execProbe(probe.exec.command ?? [], t, timeoutMs);
  if (probe.httpGet) return httpProbe(probe.httpGet, t, timeoutMs);
  if (probe.tcpSocket) {
    const host = probe.tcpSocket.host ?? t.podIP;
    let port: number;
    try {
      port = resolvePort(probe.tcpSocket.port, t.container);
    } catch (err) {
      return failed((err as Error).message);
    }
    return tcpProbe(host, port, timeoutMs);
  }
  return PASSED; // a probe without a handler (grpc is not supported) passes
}

async function execProbe(command: readonly string[], t: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  try {
    const result = await t.runtime.exec(t.podUid, t.container.name, command, timeoutMs);
    if (result.exitCode === 0) return PASSED;
    return failed(result.output.trim() || `command ${JSON.stringify(command)} exited with status ${result.exitCode}`);
  } catch (err) {
    const reason = (err as { reason?: string }).reason;
    return failed(reason === 'Timeout' ? `command ${JSON.stringify(command)} timed out` : (err as Error).message);
  }
}

function failed(output: string): ProbeOutcome {
  return { ok: false, output: output.length > MAX_OUTPUT ? output.slice(0, MAX_OUTPUT) : output };
}

/** A named port refers to the container's ports. */
export function resolvePort(port: number | string, container: any): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const named = (container.ports ?? []).find((p: any) => p.name === port);
  if (!named) throw new Error(`port "${port}" is not a port of container ${container.name}`);
  return named.containerPort;
}

function httpProbe(get: any, t: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    let port: number;
    try {
      port = resolvePort(get.port, t.container);
    } catch (err) {
      return resolve(failed((err as Error).message));
    }
    const host = get.host ?? t.podIP;
    const path = get.path ?? '/';
    const url = `http://${host}:${port}${path}`;
    const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.32' };
    for (const h of get.httpHeaders ?? []) headers[h.name] = h.value;
    let timedOut = false;
    const req = request({ host, port, path, method: 'GET', headers, timeout: timeoutMs }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      resolve(code >= 200 && code < 400 ? PASSED : failed(`HTTP probe failed with statuscode: ${code}`));
    });
    req.on('timeout', () => {
      timedOut = true;
      req.destroy();
    });
    req.on('error', (err) => resolve(failed(`Get "${url}": ${timedOut ? `no answer within ${timeoutMs} ms` : err.message}`)));
    req.end();
  });
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (outcome: ProbeOutcome) => {
      socket.destroy();
      resolve(outcome);
    };
    socket.setTimeout(timeoutMs, () => done(failed(`dial tcp ${host}:${port}: i/o timeout`)));
    socket.once('connect', () => done(PASSED));
    socket.once('error', (err) => done(failed(`dial tcp ${host}:${port}: ${err.message}`)));
  });
}
