import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Duplex } from 'node:stream';
import { SocketConnection } from '@logbook/spdy';
import { headerList, refuseUpgrade, writeSwitchingProtocols } from './upgrade';

/**
 * The server side of RFC 6455, the part Kubernetes clients use: binary messages (possibly
 * fragmented), ping/pong, the close handshake. No extensions (client-go offers none). Client
 * frames must be masked; server frames are not.
 */
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const MAX_MESSAGE = 16 * 1024 * 1024;

export const enum Opcode {
  Continuation = 0x0,
  Text = 0x1,
  Binary = 0x2,
  Close = 0x8,
  Ping = 0x9,
  Pong = 0xa,
}

export interface WsFrame {
  readonly fin: boolean;
  readonly opcode: number;
  readonly payload: Buffer;
}

export function acceptKey(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

/** A server frame (unmasked); `mask` is for tests playing the client. */
export function encodeWsFrame(opcode: number, payload: Buffer, options: { fin?: boolean; mask?: Buffer } = {}): Buffer {
  const { fin = true, mask } = options;
  const length = payload.length;
  const extended = length < 126 ? 0 : length < 0x10000 ? 2 : 8;
  const head = Buffer.alloc(2 + extended + (mask ? 4 : 0));
  head[0] = (fin ? 0x80 : 0) | opcode;
  head[1] = (mask ? 0x80 : 0) | (extended === 0 ? length : extended === 2 ? 126 : 127);
  if (extended === 2) head.writeUInt16BE(length, 2);
  if (extended === 8) head.writeBigUInt64BE(BigInt(length), 2);
  if (!mask) return Buffer.concat([head, payload]);
  mask.copy(head, 2 + extended);
  const masked = Buffer.from(payload);
  for (let i = 0; i < masked.length; i++) masked[i] ^= mask[i % 4];
  return Buffer.concat([head, masked]);
}

export class WsProtocolError extends Error {
  constructor(
    readonly closeCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'WsProtocolError';
  }
}

/** Splits client bytes into frames, unmasking them; an incomplete frame waits for more bytes. */
export class WsFrameParser {
  private buffered: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): WsFrame[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const frames: WsFrame[] = [];
    for (;;) {
      const b = this.buffered;
      if (b.length < 2) break;
      if ((b[0] & 0x70) !== 0) throw new WsProtocolError(1002, 'reserved bits set: no extension was negotiated');
      if ((b[1] & 0x80) === 0) throw new WsProtocolError(1002, 'client frames must be masked');
      let length = b[1] & 0x7f;
      let at = 2;
      if (length === 126) {
        if (b.length < 4) break;
        length = b.readUInt16BE(2);
        at = 4;
      } else if (length === 127) {
        if (b.length < 10) break;
        const big = b.readBigUInt64BE(2);
        if (big > BigInt(MAX_MESSAGE)) throw new WsProtocolError(1009, `frame of ${big} bytes is too large`);
        length = Number(big);
        at = 10;
      }
      if (b.length < at + 4 + length) break;
      const mask = b.subarray(at, at + 4);
      const payload = Buffer.from(b.subarray(at + 4, at + 4 + length));
      for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i % 4];
      frames.push({ fin: (b[0] & 0x80) !== 0, opcode: b[0] & 0x0f, payload });
      this.buffered = b.subarray(at + 4 + length);
    }
    return frames;
  }
}

/**
 * One WebSocket connection after the handshake: whole binary messages in, binary messages out.
 * Pings are answered; a close frame is answered and ends the connection.
 */
export class WebSocketConnection extends SocketConnection {
  private readonly parser = new WsFrameParser();
  private fragments: Buffer[] = [];
  private fragmentedSize = 0;

  constructor(
    socket: Duplex,
    private readonly onMessage: (data: Buffer) => void,
    head?: Buffer,
  ) {
    super(socket);
    if (head && head.length > 0) this.receive(head);
  }

  /** Sends one binary message; resolves once the socket took it (back-pressure for pipes). */
  send(data: Buffer): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the WebSocket connection is closed'));
    return this.write(encodeWsFrame(Opcode.Binary, data));
  }

  /** The closing handshake from our side (1000: normal closure, which clients read as EOF on every stream). */
  close(code = 1000, reason = ''): void {
    if (this.closed) return;
    const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
    payload.writeUInt16BE(code, 0);
    payload.write(reason, 2);
    this.socket.end(encodeWsFrame(Opcode.Close, payload));
    this.teardown();
  }

  protected receive(chunk: Buffer): void {
    if (this.closed) return;
    let frames: WsFrame[];
    try {
      frames = this.parser.push(chunk);
    } catch (err) {
      return this.close(err instanceof WsProtocolError ? err.closeCode : 1002, (err as Error).message.slice(0, 100));
    }
    for (const frame of frames) {
      if (this.closed) return;
      this.handle(frame);
    }
  }

  private handle(frame: WsFrame): void {
    switch (frame.opcode) {
      case Opcode.Ping:
        this.socket.write(encodeWsFrame(Opcode.Pong, frame.payload));
        return;
      case Opcode.Pong:
        return;
      case Opcode.Close:
        return this.close(frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1000);
      case Opcode.Text:
      case Opcode.Binary:
      case Opcode.Continuation: {
        if (frame.opcode !== Opcode.Continuation && this.fragments.length > 0) return this.close(1002, 'a new message began inside a fragmented one');
        this.fragments.push(frame.payload);
        this.fragmentedSize += frame.payload.length;
        if (this.fragmentedSize > MAX_MESSAGE) return this.close(1009, 'message too large');
        if (!frame.fin) return;
        const message = Buffer.concat(this.fragments);
        this.fragments = [];
        this.fragmentedSize = 0;
        this.onMessage(message);
        return;
      }
      default:
        return this.close(1002, `unknown opcode ${frame.opcode}`);
    }
  }
}

/**
 * Completes the handshake with the first protocol of `supported` the client offered (in our order
 * of preference); refuses with 400 otherwise, which makes kubectl fall back to SPDY.
 */
export function acceptWebSocket(req: IncomingMessage, socket: Duplex, supported: readonly string[]): string | undefined {
  const key = req.headers['sec-websocket-key'];
  const offered = headerList(req, 'Sec-WebSocket-Protocol');
  const protocol = supported.find((p) => offered.includes(p));
  if (typeof key !== 'string' || req.headers['sec-websocket-version'] !== '13') {
    refuseUpgrade(socket, 400, 'a WebSocket upgrade needs Sec-WebSocket-Key and Sec-WebSocket-Version 13');
    return undefined;
  }
  if (!protocol) {
    refuseUpgrade(socket, 400, `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server supports [${supported.join(' ')}]`);
    return undefined;
  }
  writeSwitchingProtocols(socket, { Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Accept': acceptKey(key), 'Sec-WebSocket-Protocol': protocol });
  return protocol;
}

/** A WebSocket connection as a byte stream (each binary message is a chunk): for SPDY tunnelled in WebSocket. */
export function webSocketDuplex(socket: Duplex, head: Buffer): Duplex {
  const duplex: Duplex = new Duplex({
    read() {
      // messages are pushed as they come; the tunnel's SPDY layer never pauses
    },
    write(chunk: Buffer, _encoding, callback) {
      ws.send(chunk).then(() => callback(), callback);
    },
    final(callback) {
      ws.close();
      callback();
    },
  });
  const ws = new WebSocketConnection(socket, (data) => duplex.push(data), head);
  ws.onClose(() => {
    duplex.push(null);
    duplex.destroy();
  });
  duplex.on('error', () => undefined);
  return duplex;
}
