import { duplexPair } from 'node:stream';
import { isDeepStrictEqual } from 'node:util';
import { eventually } from '@logbook/testing';
import { type Frame, FrameParser, encodeFrame } from './frames';
import { HeaderCompression, type SpdyHeaders } from './header-block';
import { SpdySession, type SpdyStream } from './session';

/** Plays client-go's side of a SPDY connection against a session, frame by frame. */
function harness() {
  const [serverSide, clientSide] = duplexPair();
  const streams: SpdyStream[] = [];
  const session = new SpdySession(serverSide, (s) => streams.push(s));
  const compression = new HeaderCompression();
  const parser = new FrameParser();
  const received: Frame[] = [];
  clientSide.on('data', (chunk: Buffer) => received.push(...parser.push(chunk)));
  const open = async (streamId: number, headers: SpdyHeaders, fin = false) =>
    clientSide.write(encodeFrame({ type: 'synStream', streamId, associatedTo: 0, priority: 0, fin, unidirectional: false, headerBlock: await compression.compress(headers) }));
  const send = (frame: Frame) => clientSide.write(encodeFrame(frame));
  const until = (condition: () => boolean, what: string) => eventually(condition, { timeoutMs: 2_000, intervalMs: 5, what });
  const sent = (frame: Frame) => until(() => received.some((f) => isDeepStrictEqual(f, frame)), `the session to send ${JSON.stringify(frame)}`);
  return { session, streams, compression, received, open, send, until, sent, clientSide };
}

describe('SpdySession', () => {
  it('replies to every stream the client opens, with headers its own zlib context decodes', async () => {
    const h = harness();
    await h.open(1, { streamtype: 'error' });
    await h.open(3, { streamtype: 'stdout' });
    await h.until(() => h.received.filter((f) => f.type === 'synReply').length === 2, 'two replies');
    expect(h.streams.map((s) => [s.id, s.headers.streamtype])).toEqual([
      [1, 'error'],
      [3, 'stdout'],
    ]);
    const replies = h.received.filter((f) => f.type === 'synReply');
    expect(replies.map((f) => f.type === 'synReply' && f.streamId)).toEqual([1, 3]);
    for (const reply of replies) if (reply.type === 'synReply') expect(await h.compression.decompress(reply.headerBlock)).toEqual({});
    h.compression.close();
  });

  it('carries data both ways and half-closes with FIN', async () => {
    const h = harness();
    await h.open(1, { streamtype: 'stdin' });
    await h.until(() => h.streams.length === 1, 'the stream');
    const [stream] = h.streams;
    const got: Buffer[] = [];
    stream.on('data', (c: Buffer) => got.push(c));
    const ended = new Promise((r) => stream.once('end', r));
    h.send({ type: 'data', streamId: 1, fin: false, data: Buffer.from('hello ') });
    h.send({ type: 'data', streamId: 1, fin: true, data: Buffer.from('world') });
    await ended;
    expect(Buffer.concat(got).toString()).toBe('hello world');

    stream.end(Buffer.alloc(70 * 1024, 1)); // more than one frame's worth, then FIN
    await h.until(() => h.received.some((f) => f.type === 'data' && f.fin), 'the FIN');
    const data = h.received.filter((f) => f.type === 'data');
    expect(data.reduce((n, f) => n + (f.type === 'data' ? f.data.length : 0), 0)).toBe(70 * 1024);
    expect(data.map((f) => f.type === 'data' && f.fin)).toEqual([false, false, false, true]);
    h.compression.close();
  });

  it('echoes client pings, refuses even stream ids, and resets a stream on request', async () => {
    const h = harness();
    h.send({ type: 'ping', id: 5 });
    await h.open(2, { streamtype: 'error' });
    await h.open(7, { streamtype: 'data' });
    await h.sent({ type: 'ping', id: 5 });
    await h.sent({ type: 'rstStream', streamId: 2, status: 1 });
    await h.until(() => h.streams.length === 1, 'stream 7');
    expect(h.streams.map((s) => s.id)).toEqual([7]);
    h.streams[0].reset();
    await h.sent({ type: 'rstStream', streamId: 7, status: 5 });
    h.compression.close();
  });

  it('closes on GOAWAY or when the peer hangs up, destroying its streams', async () => {
    const h = harness();
    await h.open(1, { streamtype: 'data' });
    await h.until(() => h.streams.length === 1, 'the stream');
    let closed = false;
    h.session.onClose(() => (closed = true));
    h.send({ type: 'goAway', lastGoodStreamId: 0, status: 0 });
    await h.until(() => closed, 'the session closed');
    expect(h.streams[0].destroyed).toBe(true);
    h.compression.close();
  });
});
