import { type Inflate, type Deflate, constants, createDeflate, createInflate } from 'node:zlib';
import { SPDY3_DICTIONARY } from './dictionary';
import { SpdyProtocolError } from './frames';

/** A SPDY header block: lower-case names; several values of one name are joined by NUL. */
export type SpdyHeaders = Readonly<Record<string, string>>;

const MAX_HEADER_BLOCK = 64 * 1024; // kube's streams carry a handful of short headers

/** The uncompressed name/value block (§2.6.10): a 32-bit count, then length-prefixed names and values. */
export function encodeHeaderBlock(headers: SpdyHeaders): Buffer {
  const parts: Buffer[] = [u32(Object.keys(headers).length)];
  for (const [name, value] of Object.entries(headers)) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(value, 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(block: Buffer): SpdyHeaders {
  let at = 0;
  const read = (): Buffer => {
    if (at + 4 > block.length) throw new SpdyProtocolError('truncated header block');
    const length = block.readUInt32BE(at);
    at += 4;
    if (at + length > block.length) throw new SpdyProtocolError('truncated header block');
    const bytes = block.subarray(at, at + length);
    at += length;
    return bytes;
  };
  if (block.length < 4) throw new SpdyProtocolError('truncated header block');
  const count = block.readUInt32BE(0);
  at = 4;
  const headers: Record<string, string> = {};
  for (let i = 0; i < count; i++) {
    const name = read().toString('utf8');
    const value = read().toString('utf8');
    headers[name] = name in headers ? `${headers[name]}\0${value}` : value;
  }
  return headers;
}

/**
 * One direction's zlib context. SPDY compresses every header block of a connection with one
 * stream primed with the dictionary, each block ending in a sync flush, so the contexts live as
 * long as the connection and blocks must pass through them in frame order (callers serialise).
 */
class ZlibContext {
  private out: Buffer[] = [];
  private failure?: Error;
  private pending?: (err: Error) => void;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly z: Deflate | Inflate) {
    z.on('data', (chunk: Buffer) => this.out.push(chunk));
    z.on('error', (err: Error) => {
      this.failure = new SpdyProtocolError(`header block does not decompress: ${err.message}`);
      this.pending?.(this.failure);
    });
  }

  /** Blocks go through one at a time, in call order. */
  run(input: Buffer): Promise<Buffer> {
    const next = this.queue.then(() => this.once(input));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private once(input: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.pending = reject;
      this.z.write(input);
      // The flush callback runs after zlib has pushed everything the written bytes produce.
      this.z.flush(constants.Z_SYNC_FLUSH, () => {
        this.pending = undefined;
        if (this.failure) return reject(this.failure);
        const result = Buffer.concat(this.out);
        this.out = [];
        resolve(result);
      });
    });
  }

  close(): void {
    this.z.close();
  }
}

/** The header compression of one SPDY connection: a compressor for what we send, a decompressor for what we receive. */
export class HeaderCompression {
  private readonly deflate = new ZlibContext(createDeflate({ dictionary: SPDY3_DICTIONARY }));
  private readonly inflate = new ZlibContext(createInflate({ dictionary: SPDY3_DICTIONARY }));

  compress(headers: SpdyHeaders): Promise<Buffer> {
    return this.deflate.run(encodeHeaderBlock(headers));
  }

  async decompress(block: Buffer): Promise<SpdyHeaders> {
    const plain = await this.inflate.run(block);
    if (plain.length > MAX_HEADER_BLOCK) throw new SpdyProtocolError(`header block of ${plain.length} bytes is larger than ${MAX_HEADER_BLOCK}`);
    return decodeHeaderBlock(plain);
  }

  close(): void {
    this.deflate.close();
    this.inflate.close();
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
