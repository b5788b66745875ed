import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { SpdySession, type SpdyStream } from '@logbook/spdy';
import { headerList, refuseUpgrade, writeSwitchingProtocols } from './upgrade';
import { acceptWebSocket, webSocketDuplex } from './websocket';

export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
const PAIR_TIMEOUT_MS = 30_000;

export interface PortForwardTarget {
  /** The pod's own IP: its containers listen there (or on 0.0.0.0). */
  readonly podIp: string;
  readonly podName: string;
}

interface Pair {
  data?: SpdyStream;
  error?: SpdyStream;
  timer: NodeJS.Timeout;
}

/**
 * kubectl port-forward over SPDY/3.1: for every local connection the client opens an error
 * stream and a data stream carrying the same `port` and `requestID` headers; the pair is joined
 * to a new TCP connection to podIP:port. A failure to connect is written to the error stream.
 * Ending both streams (FIN) tells the client the forwarded connection is over.
 */
export function servePortForwardSpdy(req: IncomingMessage, socket: Duplex, head: Buffer, target: PortForwardTarget): SpdySession | undefined {
  const offered = headerList(req, 'X-Stream-Protocol-Version');
  if (!offered.includes(PORT_FORWARD_PROTOCOL)) {
    refuseUpgrade(socket, 403, `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server supports [${PORT_FORWARD_PROTOCOL}]`);
    return undefined;
  }
  writeSwitchingProtocols(socket, { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': PORT_FORWARD_PROTOCOL });
  return portForwardSession(socket, head, target);
}

/** kubectl 1.31+: SPDY tunnelled in WebSocket binary messages (subprotocol `SPDY/3.1+portforward.k8s.io`), no HTTP upgrade inside. */
export function servePortForwardTunnel(req: IncomingMessage, socket: Duplex, head: Buffer, target: PortForwardTarget): void {
  if (!acceptWebSocket(req, socket, [`SPDY/3.1+${PORT_FORWARD_PROTOCOL}`])) return;
  portForwardSession(webSocketDuplex(socket, head), Buffer.alloc(0), target);
}

/** The port-forward streams of one SPDY connection (also used inside a WebSocket tunnel). */
export function portForwardSession(socket: Duplex, head: Buffer, target: PortForwardTarget): SpdySession {
  const pairs = new Map<string, Pair>();
  return SpdySession.server(
    socket,
    (stream) => {
      const type = stream.headers.streamtype;
      const requestId = stream.headers.requestid;
      const port = Number(stream.headers.port);
      if ((type !== 'data' && type !== 'error') || requestId === undefined || !Number.isInteger(port) || port < 1 || port > 65535) return stream.reset();
      let pair = pairs.get(requestId);
      if (!pair) {
        const timer = setTimeout(() => {
          pairs.get(requestId)?.data?.reset();
          pairs.get(requestId)?.error?.reset();
          pairs.delete(requestId);
        }, PAIR_TIMEOUT_MS);
        pair = { timer };
        pairs.set(requestId, pair);
      }
      if (pair[type]) return stream.reset();
      pair[type] = stream;
      if (pair.data && pair.error) {
        clearTimeout(pair.timer);
        pairs.delete(requestId);
        forward(pair.data, pair.error, port, target);
      }
    },
    head,
  );
}

function forward(data: SpdyStream, error: SpdyStream, port: number, target: PortForwardTarget): void {
  error.resume(); // the client closes its side of the error stream at once; nothing comes on it
  const upstream = connect({ host: target.podIp, port });
  let connected = false;
  const finish = () => {
    if (!data.writableEnded) data.end();
    if (!error.writableEnded) error.end();
  };
  upstream.once('connect', () => {
    connected = true;
    data.pipe(upstream);
    upstream.pipe(data, { end: false });
    upstream.once('end', finish);
  });
  upstream.once('error', (err) => {
    if (!connected) error.write(`error forwarding port ${port} to pod ${target.podName}: ${err.message}`);
    finish();
  });
  upstream.once('close', finish);
  // The client reset the stream or the connection went away: drop the pod-side connection too.
  data.once('close', () => upstream.destroy());
}
