/**
 * SPDY/3.1 frames (draft-mbelshe-httpbis-spdy-00 §2.2), the subset Kubernetes' streaming
 * protocols use: moby/spdystream (client-go's SPDY layer) opens streams, sends data, pings and
 * says goodbye; it neither sends nor honours WINDOW_UPDATE, so no flow control is kept here.
 * Header blocks travel compressed; the codec below takes and gives them as compressed bytes so
 * that framing stays synchronous and pure (see header-block.ts for the zlib side).
 */
export const SPDY_VERSION = 3;
export const MAX_DATA_LENGTH = 0xffffff;

export const enum ControlType {
  SynStream = 1,
  SynReply = 2,
  RstStream = 3,
  Settings = 4,
  Ping = 6,
  GoAway = 7,
  Headers = 8,
  WindowUpdate = 9,
}

export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;

/** RST_STREAM status codes. */
export const RstStatus = { ProtocolError: 1, InvalidStream: 2, RefusedStream: 3, Cancel: 5, InternalError: 6 } as const;

export type Frame =
  | { readonly type: 'data'; readonly streamId: number; readonly fin: boolean; readonly data: Buffer }
  | { readonly type: 'synStream'; readonly streamId: number; readonly associatedTo: number; readonly priority: number; readonly fin: boolean; readonly unidirectional: boolean; readonly headerBlock: Buffer }
  | { readonly type: 'synReply'; readonly streamId: number; readonly fin: boolean; readonly headerBlock: Buffer }
  | { readonly type: 'headers'; readonly streamId: number; readonly fin: boolean; readonly headerBlock: Buffer }
  | { readonly type: 'rstStream'; readonly streamId: number; readonly status: number }
  | { readonly type: 'settings'; readonly entries: readonly { readonly flags: number; readonly id: number; readonly value: number }[] }
  | { readonly type: 'ping'; readonly id: number }
  | { readonly type: 'goAway'; readonly lastGoodStreamId: number; readonly status: number }
  | { readonly type: 'windowUpdate'; readonly streamId: number; readonly delta: number }
  /** A control frame of a type SPDY/3 does not define: ignored, as the spec asks. */
  | { readonly type: 'unknown'; readonly controlType: number };

export class SpdyProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpdyProtocolError';
  }
}

const STREAM_ID_MASK = 0x7fffffff;

export function encodeFrame(frame: Frame): Buffer {
  switch (frame.type) {
    case 'data': {
      if (frame.data.length > MAX_DATA_LENGTH) throw new SpdyProtocolError(`a data frame holds at most ${MAX_DATA_LENGTH} bytes`);
      const head = Buffer.alloc(8);
      head.writeUInt32BE(frame.streamId & STREAM_ID_MASK, 0);
      head.writeUInt32BE((((frame.fin ? FLAG_FIN : 0) << 24) | frame.data.length) >>> 0, 4);
      return Buffer.concat([head, frame.data]);
    }
    case 'synStream': {
      const body = Buffer.alloc(10);
      body.writeUInt32BE(frame.streamId & STREAM_ID_MASK, 0);
      body.writeUInt32BE(frame.associatedTo & STREAM_ID_MASK, 4);
      body.writeUInt8((frame.priority & 0x7) << 5, 8);
      const flags = (frame.fin ? FLAG_FIN : 0) | (frame.unidirectional ? FLAG_UNIDIRECTIONAL : 0);
      return control(ControlType.SynStream, flags, Buffer.concat([body, frame.headerBlock]));
    }
    case 'synReply':
    case 'headers':
      return control(frame.type === 'synReply' ? ControlType.SynReply : ControlType.Headers, frame.fin ? FLAG_FIN : 0, Buffer.concat([u32(frame.streamId & STREAM_ID_MASK), frame.headerBlock]));
    case 'rstStream':
      return control(ControlType.RstStream, 0, Buffer.concat([u32(frame.streamId & STREAM_ID_MASK), u32(frame.status)]));
    case 'settings': {
      const body = Buffer.alloc(4 + 8 * frame.entries.length);
      body.writeUInt32BE(frame.entries.length, 0);
      frame.entries.forEach((e, i) => {
        body.writeUInt32BE((((e.flags & 0xff) << 24) | (e.id & 0xffffff)) >>> 0, 4 + 8 * i);
        body.writeUInt32BE(e.value, 8 + 8 * i);
      });
      return control(ControlType.Settings, 0, body);
    }
    case 'ping':
      return control(ControlType.Ping, 0, u32(frame.id));
    case 'goAway':
      return control(ControlType.GoAway, 0, Buffer.concat([u32(frame.lastGoodStreamId & STREAM_ID_MASK), u32(frame.status)]));
    case 'windowUpdate':
      return control(ControlType.WindowUpdate, 0, Buffer.concat([u32(frame.streamId & STREAM_ID_MASK), u32(frame.delta & STREAM_ID_MASK)]));
    case 'unknown':
      throw new SpdyProtocolError(`cannot encode control frame type ${frame.controlType}`);
    default: {
      const never: never = frame;
      throw new SpdyProtocolError(`unknown frame ${JSON.stringify(never)}`);
    }
  }
}

/** Splits a byte stream into frames; bytes of an incomplete frame wait for the next push. */
export class FrameParser {
  private buffered: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const frames: Frame[] = [];
    while (this.buffered.length >= 8) {
      const length = this.buffered.readUInt32BE(4) & 0xffffff;
      if (this.buffered.length < 8 + length) break;
      frames.push(decodeFrame(this.buffered.subarray(0, 8 + length)));
      this.buffered = this.buffered.subarray(8 + length);
    }
    return frames;
  }
}

/** Decodes exactly one frame (header and payload). */
export function decodeFrame(bytes: Buffer): Frame {
  const first = bytes.readUInt32BE(0);
  const flags = bytes.readUInt8(4);
  const body = bytes.subarray(8);
  if ((first & 0x80000000) === 0) return { type: 'data', streamId: first & STREAM_ID_MASK, fin: (flags & FLAG_FIN) !== 0, data: body };
  const version = (first >>> 16) & 0x7fff;
  if (version !== SPDY_VERSION) throw new SpdyProtocolError(`unsupported SPDY version ${version}`);
  const type = first & 0xffff;
  const need = (n: number) => {
    if (body.length < n) throw new SpdyProtocolError(`control frame type ${type} too short (${body.length} bytes)`);
  };
  const fin = (flags & FLAG_FIN) !== 0;
  switch (type) {
    case ControlType.SynStream:
      need(10);
      return {
        type: 'synStream',
        streamId: body.readUInt32BE(0) & STREAM_ID_MASK,
        associatedTo: body.readUInt32BE(4) & STREAM_ID_MASK,
        priority: body.readUInt8(8) >> 5,
        fin,
        unidirectional: (flags & FLAG_UNIDIRECTIONAL) !== 0,
        headerBlock: body.subarray(10),
      };
    case ControlType.SynReply:
    case ControlType.Headers:
      need(4);
      return { type: type === ControlType.SynReply ? 'synReply' : 'headers', streamId: body.readUInt32BE(0) & STREAM_ID_MASK, fin, headerBlock: body.subarray(4) };
    case ControlType.RstStream:
      need(8);
      return { type: 'rstStream', streamId: body.readUInt32BE(0) & STREAM_ID_MASK, status: body.readUInt32BE(4) };
    case ControlType.Settings: {
      need(4);
      const count = body.readUInt32BE(0);
      need(4 + 8 * count);
      const entries = Array.from({ length: count }, (_, i) => {
        const idFlags = body.readUInt32BE(4 + 8 * i);
        return { flags: idFlags >>> 24, id: idFlags & 0xffffff, value: body.readUInt32BE(8 + 8 * i) };
      });
      return { type: 'settings', entries };
    }
    case ControlType.Ping:
      need(4);
      return { type: 'ping', id: body.readUInt32BE(0) };
    case ControlType.GoAway:
      need(8);
      return { type: 'goAway', lastGoodStreamId: body.readUInt32BE(0) & STREAM_ID_MASK, status: body.readUInt32BE(4) };
    case ControlType.WindowUpdate:
      need(8);
      return { type: 'windowUpdate', streamId: body.readUInt32BE(0) & STREAM_ID_MASK, delta: body.readUInt32BE(4) & STREAM_ID_MASK };
    default:
      return { type: 'unknown', controlType: type };
  }
}

function control(type: ControlType, flags: number, body: Buffer): Buffer {
  if (body.length > MAX_DATA_LENGTH) throw new SpdyProtocolError(`a control frame holds at most ${MAX_DATA_LENGTH} bytes`);
  const head = Buffer.alloc(8);
  head.writeUInt32BE((0x8000 | SPDY_VERSION) * 0x10000 + type, 0);
  head.writeUInt32BE((((flags & 0xff) << 24) | body.length) >>> 0, 4);
  return Buffer.concat([head, body]);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}
