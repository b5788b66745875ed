import { type Server, type Socket, connect, createServer } from 'node:net';
import type { ComponentLogger } from '@logbook/components';
import { type Backend, RoundRobin } from './backends';

/**
 * One listening address of one Service port (kube-proxy's userspace mode). Each accepted
 * connection is piped to the next backend in round-robin order; a backend that refuses the
 * connection is skipped once in favour of the next one; with no backend at all the client is
 * reset. Changing the backends affects new connections only: established pairs keep going.
 */
export class PortListener {
  private readonly pool = new RoundRobin();
  private readonly server: Server;
  /** Client socket → its upstream (once dialled). */
  private readonly pairs = new Map<Socket, Socket | undefined>();
  private closed = false;

  constructor(
    readonly host: string,
    readonly port: number,
    private servicePort: string,
    private readonly log: ComponentLogger,
    private readonly connectTimeoutMs = 3_000,
  ) {
    // Half-open: a client that shuts down its side still gets the rest of the response.
    this.server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => this.accept(client));
  }

  /** Resolves once bound; rejects with the bind error (e.g. EADDRINUSE). */
  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen({ host: this.host, port: this.port, backlog: 1024 }, () => {
        this.server.off('error', onError);
        this.server.on('error', (err) => this.log.warn({ servicePort: this.servicePort, err: err.message }, 'listener error'));
        resolve();
      });
    });
  }

  setBackends(backends: readonly Backend[], servicePort = this.servicePort): void {
    this.servicePort = servicePort;
    this.pool.set(backends);
  }

  get backends(): readonly Backend[] {
    return this.pool.backends;
  }

  /** Open client connections. */
  get connections(): number {
    return this.pairs.size;
  }

  /**
   * Stops accepting. Established connections are left to finish (as conntrack keeps flows of a
   * removed kube-proxy rule) unless `drop` is set, which is what stopping the proxy does.
   */
  async close(drop = false): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      if (drop) {
        for (const [client, upstream] of this.pairs) {
          client.destroy();
          upstream?.destroy();
        }
      }
      // server.close waits for every connection; without drop the address is free at once anyway.
      if (!drop) resolve();
    });
  }

  private accept(client: Socket): void {
    this.pairs.set(client, undefined);
    client.once('close', () => this.pairs.delete(client));
    client.on('error', () => undefined); // reported through 'close'; a reset client is routine
    const first = this.pool.next();
    if (!first) {
      client.resetAndDestroy();
      return;
    }
    this.dial(client, first, true);
  }

  private dial(client: Socket, backend: Backend, retry: boolean): void {
    const upstream = connect({ host: backend.ip, port: backend.port, allowHalfOpen: true, noDelay: true, timeout: this.connectTimeoutMs });
    this.pairs.set(client, upstream);
    let connected = false;
    // A clean close of the client means both directions finished, so upstream ends on its own.
    const onClientGone = (hadError: boolean) => {
      if (!connected || hadError) upstream.destroy();
    };
    client.once('close', onClientGone);
    upstream.once('timeout', () => {
      if (!connected) upstream.destroy(new Error('connect timeout'));
    });
    upstream.once('connect', () => {
      connected = true;
      upstream.setTimeout(0);
      // Data the client sent meanwhile waited in its paused stream.
      client.pipe(upstream);
      upstream.pipe(client);
    });
    upstream.on('error', (err) => {
      if (connected) return client.destroy();
      client.off('close', onClientGone);
      const next = retry && !client.destroyed ? this.pool.next() : undefined;
      this.log.debug({ servicePort: this.servicePort, backend: `${backend.ip}:${backend.port}`, err: err.message, retrying: !!next }, 'backend connect failed');
      if (next && (next.ip !== backend.ip || next.port !== backend.port)) this.dial(client, next, false);
      else client.resetAndDestroy();
    });
    upstream.once('close', (hadError) => {
      if (connected && hadError) client.destroy();
    });
  }
}
