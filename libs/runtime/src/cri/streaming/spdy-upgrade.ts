import { request } from 'node:http';
import type { Socket } from 'node:net';
import { RuntimeError } from '../../container-runtime.port';

/** How long the streaming server gets to answer the upgrade (it answers at once when healthy). */
const UPGRADE_TIMEOUT_MS = 10_000;

export interface UpgradedConnection {
  readonly socket: Socket;
  /** Bytes the server sent after its 101 response, already read from the socket. */
  readonly head: Buffer;
}

/**
 * Upgrades a request to one of the CRI streaming server's URLs to SPDY/3.1, offering
 * `protocol` (X-Stream-Protocol-Version), as client-go's SPDY dialer does: a POST with
 * `Connection: Upgrade`. A URL serves one connection only (the server forgets its token), and
 * a refusal carries the server's reason (an unknown or used token is a 404).
 *
 * Only plain HTTP: Logbook's containerd serves its streaming server on 127.0.0.1 without TLS.
 */
export function upgradeToSpdy(url: string, protocol: string): Promise<UpgradedConnection> {
  const target = new URL(url);
  if (target.protocol !== 'http:') return Promise.reject(new RuntimeError('StreamError', `the streaming URL ${url} is not plain HTTP; only http: streaming servers are supported`));
  return new Promise((resolve, reject) => {
    const req = request(target, {
      method: 'POST',
      agent: false,
      timeout: UPGRADE_TIMEOUT_MS,
      headers: { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': protocol, 'Content-Length': '0' },
    });
    req.once('upgrade', (res, socket: Socket, head: Buffer) => {
      const chosen = String(res.headers['x-stream-protocol-version'] ?? '');
      if (chosen !== protocol) {
        socket.destroy();
        return reject(new RuntimeError('StreamError', `the streaming server at ${target.host} chose protocol "${chosen}", not ${protocol}`));
      }
      socket.setTimeout(0); // the request's timeout was for the answer; an exec may be idle for hours
      socket.setNoDelay(true);
      resolve({ socket, head });
    });
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('end', () => {
        const body = Buffer.concat(chunks).toString('utf8').trim().split('\n')[0];
        reject(new RuntimeError('StreamError', `the streaming server at ${target.host} refused the upgrade: ${res.statusCode} ${body}`));
      });
      res.once('error', reject);
    });
    req.once('timeout', () => req.destroy(new Error(`no answer within ${UPGRADE_TIMEOUT_MS} ms`)));
    req.once('error', (err) => reject(new RuntimeError('StreamError', `cannot reach the streaming server at ${target.host}: ${err.message}`)));
    req.end();
  });
}
