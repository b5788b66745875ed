import type { Duplex } from 'node:stream';

/**
 * One upgraded socket speaking a framed protocol (SPDY, WebSocket): bytes in through
 * `receive`, writes that respect back-pressure, and a single teardown — whichever of close,
 * end, error or the protocol's own goodbye comes first — that then tells the close listeners.
 */
export abstract class SocketConnection {
  protected closed = false;
  private readonly closeListeners: (() => void)[] = [];

  constructor(protected readonly socket: Duplex) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('close', () => this.teardown());
    socket.on('end', () => this.teardown());
    socket.on('error', () => this.teardown());
  }

  /** Called once when the connection is gone (peer closed, protocol goodbye or error, or close()). */
  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  protected abstract receive(chunk: Buffer): void;

  /** The protocol's own clean-up, run once at teardown before the close listeners. */
  protected released(): void {}

  /** Writes `bytes`; resolves once the socket took them, or closed (so pipes feel back-pressure). */
  protected write(bytes: Buffer): Promise<void> {
    // A socket already gone would never drain nor close again: the bytes have nowhere to go.
    if (this.socket.destroyed || this.socket.writableEnded) return Promise.resolve();
    if (this.socket.write(bytes)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  protected teardown(): void {
    if (this.closed) return;
    this.closed = true;
    this.released();
    for (const listener of this.closeListeners.splice(0)) listener();
  }
}
