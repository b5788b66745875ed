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
  const session = SpdySession.server(serverSide, (s) => streams.push(s));
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

/** Both ends of the project's own sessions, joined back to back. */
function pair() {
  const [serverSide, clientSide] = duplexPair();
  const accepted: SpdyStream[] = [];
  const server = SpdySession.server(serverSide, (s) => accepted.push(s));
  const client = SpdySession.client(clientSide);
  const until = (condition: () => boolean, what: string) => eventually(condition, { timeoutMs: 2_000, intervalMs: 5, what });
  return { server, client, accepted, until, serverSide, clientSide };
}

const text = (stream: SpdyStream) =>
  new Promise<string>((resolve) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.once('end', () => resolve(Buffer.concat(chunks).toString()));
  });

describe('SpdySession as a client', () => {
  it('opens odd-numbered streams whose headers the server reads, and carries data both ways', async () => {
    const p = pair();
    const [error, stdin] = await Promise.all([p.client.openStream({ streamType: 'error' }), p.client.openStream({ streamType: 'stdin', port: '80' })]);
    expect([error.id, stdin.id]).toEqual([1, 3]);
    expect(p.accepted.map((s) => s.headers)).toEqual([{ streamtype: 'error' }, { streamtype: 'stdin', port: '80' }]);
    const atServer = text(p.accepted[1]);
    stdin.end('to the server');
    expect(await atServer).toBe('to the server');
    const atClient = text(error);
    p.accepted[0].end('to the client');
    expect(await atClient).toBe('to the client');
    await p.client.close();
  });

  it('keeps what arrived readable when the server says goodbye without ending the stream', async () => {
    const p = pair();
    const status = await p.client.openStream({ streamType: 'error' });
    await p.until(() => p.accepted.length === 1, 'the server stream');
    p.accepted[0].write('{"status":"Success"}');
    await new Promise((r) => setImmediate(r));
    let closed = false;
    p.client.onClose(() => (closed = true));
    await p.server.close(); // GOAWAY, no FIN on the stream: as spdystream ends a kubelet session
    await p.until(() => closed, 'the client session closed');
    expect(await text(status)).toBe('{"status":"Success"}');
  });

  it('fails to open a stream the server resets, and refuses streams the server opens', async () => {
    const [serverSide, clientSide] = duplexPair();
    const client = SpdySession.client(clientSide);
    const compression = new HeaderCompression();
    const parser = new FrameParser();
    const received: Frame[] = [];
    serverSide.on('data', (chunk: Buffer) => received.push(...parser.push(chunk)));
    const opening = client.openStream({ streamType: 'data' });
    await eventually(() => received.some((f) => f.type === 'synStream'), { timeoutMs: 2_000, intervalMs: 5, what: 'the SYN_STREAM' });
    await compression.decompress((received[0] as Extract<Frame, { type: 'synStream' }>).headerBlock);
    serverSide.write(encodeFrame({ type: 'rstStream', streamId: 1, status: 3 }));
    await expect(opening).rejects.toThrow('reset SPDY stream 1');

    const serverCompression = new HeaderCompression();
    serverSide.write(encodeFrame({ type: 'synStream', streamId: 2, associatedTo: 0, priority: 0, fin: false, unidirectional: false, headerBlock: await serverCompression.compress({ a: 'b' }) }));
    serverSide.write(encodeFrame({ type: 'ping', id: 2 }));
    serverSide.write(encodeFrame({ type: 'ping', id: 1 }));
    await eventually(() => received.some((f) => f.type === 'ping'), { timeoutMs: 2_000, intervalMs: 5, what: 'the ping echoed' });
    expect(received.filter((f) => f.type !== 'synStream')).toEqual([
      { type: 'rstStream', streamId: 2, status: 3 },
      { type: 'ping', id: 2 },
    ]);
    client.destroy();
    compression.close();
    serverCompression.close();
  });

  it('rejects streams still waiting for a reply when the connection goes away', async () => {
    const [serverSide, clientSide] = duplexPair();
    const client = SpdySession.client(clientSide);
    serverSide.resume();
    const opening = client.openStream({ streamType: 'error' });
    serverSide.destroy();
    await expect(opening).rejects.toThrow('closed before the stream was replied to');
  });
});
