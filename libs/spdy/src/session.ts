import { Duplex } from 'node:stream';
import { type Frame, FrameParser, RstStatus, encodeFrame } from './frames';
import { HeaderCompression, type SpdyHeaders } from './header-block';
import { SocketConnection } from '../socket-connection';

const MAX_FRAME_DATA = 32 * 1024;

/**
 * One stream the peer opened: a Duplex whose readable side is what the peer sends (ended by its
 * FIN) and whose writable side becomes data frames (end() sends FIN). A RST_STREAM destroys it.
 */
export class SpdyStream extends Duplex {
  constructor(
    readonly id: number,
    readonly headers: SpdyHeaders,
    private readonly session: SpdySession,
  ) {
    super({ allowHalfOpen: true });
    // A write failing means the connection went away; the session reports that through onClose.
    this.on('error', () => undefined);
  }

  override _read(): void {
    // SPDY/3.1 flow control is not used by client-go's peer (spdystream), so there is nothing to pause.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.session.sendData(this.id, chunk, false).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.session.sendData(this.id, Buffer.alloc(0), true).then(() => callback(), callback);
  }

  /** Abandons the stream: the peer gets RST_STREAM(CANCEL). */
  reset(): void {
    if (this.destroyed) return;
    void this.session.send(async () => encodeFrame({ type: 'rstStream', streamId: this.id, status: RstStatus.Cancel })).catch(() => undefined);
    this.destroy();
  }
}

/**
 * The server side of a SPDY/3.1 connection after an HTTP upgrade: accepts the streams the client
 * opens (replying to each at once, as the kubelet does), answers pings, and serialises every frame
 * it sends so that a stream's SYN_REPLY always precedes its data.
 */
export class SpdySession extends SocketConnection {
  private readonly parser = new FrameParser();
  private readonly compression = new HeaderCompression();
  private readonly streams = new Map<number, SpdyStream>();
  private inbound: Promise<void> = Promise.resolve();
  private outbound: Promise<void> = Promise.resolve();
  private lastStreamId = 0;

  constructor(
    socket: Duplex,
    private readonly onStream: (stream: SpdyStream) => void,
    head?: Buffer,
  ) {
    super(socket);
    if (head && head.length > 0) this.receive(head);
  }

  /** Says goodbye (GOAWAY) once what was queued has been written, then closes the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.send(async () => encodeFrame({ type: 'goAway', lastGoodStreamId: this.lastStreamId, status: 0 })).catch(() => undefined);
    this.socket.end();
    this.teardown();
  }

  sendData(streamId: number, data: Buffer, fin: boolean): Promise<void> {
    if (data.length <= MAX_FRAME_DATA) return this.send(async () => encodeFrame({ type: 'data', streamId, fin, data }));
    const sends: Promise<void>[] = [];
    for (let at = 0; at < data.length; at += MAX_FRAME_DATA) {
      const part = data.subarray(at, at + MAX_FRAME_DATA);
      const last = at + MAX_FRAME_DATA >= data.length;
      sends.push(this.send(async () => encodeFrame({ type: 'data', streamId, fin: fin && last, data: part })));
    }
    return Promise.all(sends).then(() => undefined);
  }

  /** Queues a frame; frames leave in call order, each after the socket accepted the previous one. */
  send(frame: () => Promise<Buffer>): Promise<void> {
    const next = this.outbound.then(async () => {
      if (this.closed) throw new Error('the SPDY connection is closed');
      await this.write(await frame());
    });
    this.outbound = next.catch(() => undefined);
    return next;
  }

  protected receive(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.parser.push(chunk);
    } catch {
      return this.protocolError();
    }
    for (const frame of frames) {
      this.inbound = this.inbound.then(() => this.handle(frame)).catch(() => this.protocolError());
    }
  }

  private async handle(frame: Frame): Promise<void> {
    if (this.closed) return;
    switch (frame.type) {
      case 'synStream': {
        const headers = await this.compression.decompress(frame.headerBlock);
        // Client streams are odd and increasing (§2.3.2); anything else is refused.
        if (frame.streamId % 2 !== 1 || frame.streamId <= this.lastStreamId) {
          await this.send(async () => encodeFrame({ type: 'rstStream', streamId: frame.streamId, status: RstStatus.ProtocolError }));
          return;
        }
        this.lastStreamId = frame.streamId;
        const stream = new SpdyStream(frame.streamId, headers, this);
        this.streams.set(frame.streamId, stream);
        stream.on('close', () => this.streams.delete(frame.streamId));
        await this.send(async () => encodeFrame({ type: 'synReply', streamId: frame.streamId, fin: false, headerBlock: await this.compression.compress({}) }));
        if (frame.fin) stream.push(null);
        this.onStream(stream);
        return;
      }
      case 'data': {
        const stream = this.streams.get(frame.streamId);
        if (!stream) return;
        if (frame.data.length > 0) stream.push(frame.data);
        if (frame.fin) stream.push(null);
        return;
      }
      case 'rstStream':
        this.streams.get(frame.streamId)?.destroy();
        return;
      case 'ping':
        // Odd ids are the client's pings, to be echoed; even ones would be answers to ours (we send none).
        if (frame.id % 2 === 1) await this.send(async () => encodeFrame({ type: 'ping', id: frame.id }));
        return;
      case 'goAway':
        this.socket.end();
        this.teardown();
        return;
      case 'headers':
        await this.compression.decompress(frame.headerBlock); // keeps the zlib context in step
        return;
      case 'synReply':
        await this.compression.decompress(frame.headerBlock);
        return;
      case 'settings':
      case 'windowUpdate':
      case 'unknown':
        return;
      default: {
        const never: never = frame;
        throw new Error(`unhandled frame ${JSON.stringify(never)}`);
      }
    }
  }

  private protocolError(): void {
    if (this.closed) return;
    this.socket.write(encodeFrame({ type: 'goAway', lastGoodStreamId: this.lastStreamId, status: 1 }));
    this.socket.end();
    this.teardown();
  }

  protected override released(): void {
    for (const stream of this.streams.values()) stream.destroy();
    this.streams.clear();
    this.compression.close();
  }
}
