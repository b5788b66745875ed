import { Duplex } from 'node:stream';
import { type Frame, FrameParser, RstStatus, encodeFrame } from './frames';
import { HeaderCompression, type SpdyHeaders } from './header-block';
import { SocketConnection } from './socket-connection';

const MAX_FRAME_DATA = 32 * 1024;
/** How long a client waits for the SYN_REPLY of a stream it opened (client-go waits 30 s too). */
const STREAM_REPLY_TIMEOUT_MS = 30_000;

/**
 * One stream of a session: a Duplex whose readable side is what the peer sends (ended by its
 * FIN) and whose writable side becomes data frames (end() sends FIN). A RST_STREAM destroys it.
 */
export class SpdyStream extends Duplex {
  private finReceived = false;

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
    // SPDY/3.1 flow control is not used by Kubernetes' peers (spdystream), so there is nothing to pause.
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

  /** The peer's FIN: nothing more will be read. */
  receivedFin(): void {
    if (this.finReceived) return;
    this.finReceived = true;
    this.push(null);
  }

  /**
   * The connection went away. Kubernetes' streaming servers end a session by hanging up without
   * a FIN on every stream (the exec Status is the last thing on its stream), so what already
   * arrived stays readable and the stream then ends; only after that is it destroyed.
   */
  connectionGone(): void {
    if (this.destroyed) return;
    if (this.readableEnded) return void this.destroy();
    this.once('end', () => this.destroy());
    this.receivedFin();
  }
}

type Role = 'client' | 'server';

interface PendingReply {
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * A SPDY/3.1 connection after an HTTP upgrade, either end of it. The server side accepts the
 * streams the client opens (replying to each at once, as the kubelet does); the client side opens
 * streams (odd ids, §2.3.2) and waits for each reply, as client-go does against a kubelet or a CRI
 * streaming server. Both answer the peer's pings and serialise every frame they send, so that
 * header blocks pass through the zlib context in wire order and a stream's reply precedes its data.
 */
export class SpdySession extends SocketConnection {
  private readonly parser = new FrameParser();
  private readonly compression = new HeaderCompression();
  private readonly streams = new Map<number, SpdyStream>();
  private readonly pendingReplies = new Map<number, PendingReply>();
  private inbound: Promise<void> = Promise.resolve();
  private outbound: Promise<void> = Promise.resolve();
  private lastStreamId = 0;
  private nextStreamId = 1;

  /** The server side: `onStream` gets each stream the client opens (already replied to). */
  static server(socket: Duplex, onStream: (stream: SpdyStream) => void, head?: Buffer): SpdySession {
    return new SpdySession(socket, 'server', onStream, head);
  }

  /** The client side: streams come from openStream; streams the server would open are refused. */
  static client(socket: Duplex, head?: Buffer): SpdySession {
    return new SpdySession(socket, 'client', undefined, head);
  }

  private constructor(
    socket: Duplex,
    private readonly role: Role,
    private readonly onStream: ((stream: SpdyStream) => void) | undefined,
    head?: Buffer,
  ) {
    super(socket);
    if (head && head.length > 0) this.receive(head);
  }

  /** Client side: opens a stream with these headers; resolves once the server replied (rejects on RST_STREAM or timeout). */
  openStream(headers: SpdyHeaders, timeoutMs = STREAM_REPLY_TIMEOUT_MS): Promise<SpdyStream> {
    if (this.role !== 'client') return Promise.reject(new Error('only the client side of a SPDY connection opens streams'));
    if (this.closed) return Promise.reject(new Error('the SPDY connection is closed'));
    const streamId = this.nextStreamId;
    this.nextStreamId += 2;
    const stream = new SpdyStream(streamId, headers, this);
    this.streams.set(streamId, stream);
    stream.on('close', () => this.streams.delete(streamId));
    const replied = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingReplies.delete(streamId);
        stream.reset();
        reject(new Error(`no reply to SPDY stream ${streamId} (${JSON.stringify(headers)}) within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pendingReplies.set(streamId, { resolve, reject, timer });
    });
    const sent = this.send(async () =>
      encodeFrame({ type: 'synStream', streamId, associatedTo: 0, priority: 0, fin: false, unidirectional: false, headerBlock: await this.compression.compress(headers) }),
    );
    sent.catch((err: Error) => this.settleReply(streamId, err));
    return replied.then(() => stream);
  }

  /** Says goodbye (GOAWAY) once what was queued has been written, then closes the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.send(async () => encodeFrame({ type: 'goAway', lastGoodStreamId: this.lastStreamId, status: 0 })).catch(() => undefined);
    this.socket.end();
    this.teardown();
  }

  /** Drops the connection at once (no goodbye). */
  destroy(): void {
    this.socket.destroy();
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
        if (this.role === 'client') {
          // Kubernetes' streaming servers never open streams; a client has nothing to give them.
          await this.send(async () => encodeFrame({ type: 'rstStream', streamId: frame.streamId, status: RstStatus.RefusedStream }));
          return;
        }
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
        if (frame.fin) stream.receivedFin();
        this.onStream?.(stream);
        return;
      }
      case 'synReply':
        await this.compression.decompress(frame.headerBlock); // keeps the zlib context in step
        this.settleReply(frame.streamId);
        if (frame.fin) this.streams.get(frame.streamId)?.receivedFin();
        return;
      case 'data': {
        const stream = this.streams.get(frame.streamId);
        if (!stream) return;
        if (frame.data.length > 0) stream.push(frame.data);
        if (frame.fin) stream.receivedFin();
        return;
      }
      case 'rstStream':
        this.settleReply(frame.streamId, new Error(`the peer reset SPDY stream ${frame.streamId} (status ${frame.status})`));
        this.streams.get(frame.streamId)?.destroy();
        return;
      case 'ping':
        // A ping with the peer's parity is to be echoed (client ids are odd, server ids even); ours come back as answers.
        if (frame.id % 2 === (this.role === 'server' ? 1 : 0)) await this.send(async () => encodeFrame({ type: 'ping', id: frame.id }));
        return;
      case 'goAway':
        this.socket.end();
        this.teardown();
        return;
      case 'headers':
        await this.compression.decompress(frame.headerBlock);
        if (frame.fin) this.streams.get(frame.streamId)?.receivedFin();
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

  private settleReply(streamId: number, error?: Error): void {
    const pending = this.pendingReplies.get(streamId);
    if (!pending) return;
    this.pendingReplies.delete(streamId);
    clearTimeout(pending.timer);
    if (error) pending.reject(error);
    else pending.resolve();
  }

  private protocolError(): void {
    if (this.closed) return;
    if (!this.socket.destroyed) this.socket.write(encodeFrame({ type: 'goAway', lastGoodStreamId: this.lastStreamId, status: 1 }));
    this.socket.end();
    this.teardown();
  }

  /** Frames already received are handled first (some wait on zlib), so what the peer sent before hanging up is not lost. */
  protected override teardown(): void {
    void this.inbound.then(() => super.teardown());
  }

  protected override released(): void {
    for (const streamId of [...this.pendingReplies.keys()]) this.settleReply(streamId, new Error('the SPDY connection closed before the stream was replied to'));
    for (const stream of this.streams.values()) {
      if (this.role === 'client') stream.connectionGone();
      else stream.destroy();
    }
    this.streams.clear();
    this.compression.close();
  }
}
