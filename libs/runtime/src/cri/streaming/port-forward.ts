import { Duplex } from 'node:stream';
import { SpdySession, type SpdyStream } from '@logbook/spdy';
import { RuntimeError } from '../../container-runtime.port';
import { upgradeToSpdy } from './spdy-upgrade';

export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';

/**
 * Opens one port-forward connection to `port` in the pod (from CRI PortForward), as client-go
 * does for each local connection of kubectl port-forward: over SPDY/3.1, an error stream (which
 * the client closes at once) and a data stream carrying the same `port` and `requestID`. The
 * result is the data stream as a Duplex that behaves as a TCP socket: end() half-closes towards
 * the pod (containerd then gives the other direction about a second before it closes the
 * connection), and the pod's side ending ends it. A failure the server reports on the error stream (nothing listens on
 * the port) destroys it with that message. Each call needs its own URL: tokens are single-use.
 */
export async function openPortForward(url: string, port: number): Promise<Duplex> {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RuntimeError('InvalidArgument', `cannot forward port ${port}: not a TCP port`);
  const { socket, head } = await upgradeToSpdy(url, PORT_FORWARD_PROTOCOL);
  const session = SpdySession.client(socket, head);
  const headers = { port: String(port), requestID: '0' };
  let error: SpdyStream;
  let data: SpdyStream;
  try {
    [error, data] = await Promise.all([session.openStream({ ...headers, streamType: 'error' }), session.openStream({ ...headers, streamType: 'data' })]);
  } catch (err) {
    session.destroy();
    throw new RuntimeError('StreamError', `cannot open the port-forward streams for port ${port}: ${(err as Error).message}`);
  }
  error.end();
  return new ForwardedConnection(session, data, error, port);
}

class ForwardedConnection extends Duplex {
  constructor(
    private readonly session: SpdySession,
    private readonly data: SpdyStream,
    error: SpdyStream,
    private readonly port: number,
  ) {
    // As a TCP socket by default: once the pod's side ended, ours ends too.
    super({ allowHalfOpen: false });
    // The server writes a failure to the error stream, then closes it before the data stream: the
    // data side only ends once the error stream said whether there was one. Either is told a
    // turn later, so that a caller attaching listeners right after the open sees it (as net.Socket).
    const failure = new Promise<string>((resolve) => {
      const chunks: Buffer[] = [];
      const done = () => resolve(Buffer.concat(chunks).toString('utf8').trim());
      error.on('data', (chunk: Buffer) => chunks.push(chunk));
      error.once('end', done);
      error.once('close', done);
    });
    void failure.then((message) => {
      if (message !== '') setImmediate(() => this.destroy(new RuntimeError('PortForwardError', message)));
    });
    const ended = () =>
      void failure.then((message) =>
        setImmediate(() => {
          if (message === '' && !this.destroyed && !this.readableEnded) this.push(null);
        }),
      );
    data.on('data', (chunk: Buffer) => this.push(chunk));
    data.once('end', ended);
    data.once('close', ended);
    session.onClose(ended);
  }

  override _read(): void {
    // The streaming server does not do SPDY flow control: what arrives is pushed as it comes.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.data.destroyed || this.data.writableEnded) return callback(new RuntimeError('PortForwardError', `the connection to port ${this.port} is closed`));
    this.data.write(chunk, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.data.destroyed || this.data.writableEnded) return callback();
    this.data.end(callback);
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    // Both directions are over (or the caller gave up): the SPDY connection has nothing else to carry.
    if (err) this.session.destroy();
    else void this.session.close();
    callback(err);
  }
}
