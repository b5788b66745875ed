import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/** The values of a header that may be sent several times or comma-separated (X-Stream-Protocol-Version, Sec-WebSocket-Protocol). */
export function headerList(req: IncomingMessage, name: string): string[] {
  const raw = req.headers[name.toLowerCase()];
  const values = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

/** What the client asks to switch to: 'spdy' (SPDY/3.1), 'websocket', or undefined. */
export function upgradeKind(req: IncomingMessage): 'spdy' | 'websocket' | undefined {
  const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
  if (upgrade.includes('spdy/3.1')) return 'spdy';
  if (upgrade === 'websocket') return 'websocket';
  return undefined;
}

export function writeSwitchingProtocols(socket: Duplex, headers: Readonly<Record<string, string>>): void {
  const lines = ['HTTP/1.1 101 Switching Protocols', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  socket.write(lines.join('\r\n') + '\r\n\r\n');
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error', 503: 'Service Unavailable' };

/** Refuses an upgrade with a Kubernetes Status (client-go decodes it and prints its message), then closes the connection. */
export function refuseUpgrade(socket: Duplex, code: number, message: string): void {
  const reason = { 400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 503: 'ServiceUnavailable' }[code] ?? 'InternalError';
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
  socket.end(
    `HTTP/1.1 ${code} ${REASONS[code] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
