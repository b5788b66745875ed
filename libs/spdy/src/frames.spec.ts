import { inflateSync, deflateSync } from 'node:zlib';
import { SPDY3_DICTIONARY } from './dictionary';
import { type Frame, FrameParser, decodeFrame, encodeFrame } from './frames';
import { HeaderCompression, type SpdyHeaders, decodeHeaderBlock, encodeHeaderBlock } from './header-block';

describe('SPDY/3.1 frames', () => {
  const frames: Frame[] = [
    { type: 'data', streamId: 7, fin: false, data: Buffer.from('hello') },
    { type: 'data', streamId: 0x7fffffff, fin: true, data: Buffer.alloc(0) },
    { type: 'synStream', streamId: 3, associatedTo: 0, priority: 7, fin: false, unidirectional: true, headerBlock: Buffer.from([1, 2, 3]) },
    { type: 'synReply', streamId: 3, fin: true, headerBlock: Buffer.from([9]) },
    { type: 'headers', streamId: 5, fin: false, headerBlock: Buffer.alloc(0) },
    { type: 'rstStream', streamId: 9, status: 5 },
    { type: 'settings', entries: [{ flags: 1, id: 7, value: 65536 }, { flags: 0, id: 4, value: 100 }] },
    { type: 'ping', id: 0xfffffffe },
    { type: 'goAway', lastGoodStreamId: 11, status: 0 },
    { type: 'windowUpdate', streamId: 1, delta: 1 << 20 },
  ];

  it.each(frames.map((f) => [f.type, f] as const))('round-trips a %s frame', (_type, frame) => {
    expect(decodeFrame(encodeFrame(frame))).toEqual(frame);
  });

  it('lays out a control frame as the draft does: control bit, version 3, type, flags, 24-bit length', () => {
    const bytes = encodeFrame({ type: 'ping', id: 1 });
    expect(bytes.toString('hex')).toBe('80030006' + '00000004' + '00000001');
    const data = encodeFrame({ type: 'data', streamId: 1, fin: true, data: Buffer.from('ab') });
    expect(data.toString('hex')).toBe('00000001' + '01000002' + '6162');
  });

  it('reassembles frames split anywhere across reads, and keeps an incomplete tail', () => {
    const bytes = Buffer.concat(frames.map(encodeFrame));
    for (const cut of [1, 5, 8, 13, bytes.length - 1]) {
      const parser = new FrameParser();
      const got = [...parser.push(bytes.subarray(0, cut)), ...parser.push(bytes.subarray(cut))];
      expect(got).toEqual(frames);
    }
    const parser = new FrameParser();
    expect(parser.push(bytes.subarray(0, 10))).toEqual([]);
  });

  it('ignores control frame types it does not know and refuses other versions', () => {
    const unknown = Buffer.from('8003000b0000000000', 'hex').subarray(0, 8);
    expect(decodeFrame(unknown)).toEqual({ type: 'unknown', controlType: 11 });
    expect(() => decodeFrame(Buffer.from('8002000600000004' + '00000001', 'hex'))).toThrow(/version 2/);
  });
});

describe('SPDY/3 header blocks', () => {
  it('builds the draft\'s dictionary (1423 bytes, zlib dictionary id 0xe3c6a7c2)', () => {
    let a = 1;
    let b = 0;
    for (const byte of SPDY3_DICTIONARY) {
      a = (a + byte) % 65521;
      b = (b + a) % 65521;
    }
    expect(SPDY3_DICTIONARY.length).toBe(1423);
    expect(((b << 16) | a) >>> 0).toBe(0xe3c6a7c2);
  });

  it('round-trips names and values, lower-casing names and joining repeated names with NUL', () => {
    const block = encodeHeaderBlock({ StreamType: 'error', port: '8080' });
    expect(decodeHeaderBlock(block)).toEqual({ streamtype: 'error', port: '8080' });
    const twice = Buffer.concat([Buffer.from('00000002', 'hex'), encodeHeaderBlock({ a: '1' }).subarray(4), encodeHeaderBlock({ a: '2' }).subarray(4)]);
    expect(decodeHeaderBlock(twice)).toEqual({ a: '1\u00002' });
    expect(() => decodeHeaderBlock(Buffer.from('0000000100000005ab', 'hex'))).toThrow(/truncated/);
  });

  it('compresses blocks as one zlib stream primed with the dictionary, each block sync-flushed', async () => {
    const sender = new HeaderCompression();
    const receiver = new HeaderCompression();
    const blocks: SpdyHeaders[] = [{ streamtype: 'error' }, { streamtype: 'stdout' }, {}, { streamtype: 'data', port: '80', requestid: '0' }];
    const compressed = [];
    for (const headers of blocks) compressed.push(await sender.compress(headers));
    // A sync flush ends every block with an empty stored block; the first carries the zlib header with FDICT.
    for (const c of compressed) expect(c.subarray(-4).toString('hex')).toBe('0000ffff');
    expect(compressed[0][1] & 0x20).toBe(0x20);
    expect(compressed[0].readUInt32BE(2)).toBe(0xe3c6a7c2);
    // Later blocks reuse the history: the same header again costs only a few bytes.
    expect(compressed[1].length).toBeLessThan(compressed[0].length);
    for (const [i, c] of compressed.entries()) expect(await receiver.decompress(c)).toEqual(blocks[i]);
    // A standalone inflate with the dictionary reads the whole stream, as Go's zlib reader would.
    expect(decodeHeaderBlock(inflateSync(Buffer.concat(compressed.slice(0, 1)), { dictionary: SPDY3_DICTIONARY, finishFlush: 2 }))).toEqual(blocks[0]);
    sender.close();
    receiver.close();
  });

  it('decompresses blocks another zlib made with the dictionary and rejects garbage', async () => {
    const receiver = new HeaderCompression();
    const block = deflateSync(encodeHeaderBlock({ streamtype: 'stdin' }), { dictionary: SPDY3_DICTIONARY });
    expect(await receiver.decompress(block)).toEqual({ streamtype: 'stdin' });
    await expect(new HeaderCompression().decompress(Buffer.from('not zlib at all'))).rejects.toThrow();
    receiver.close();
  });
});
