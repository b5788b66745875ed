import { Duplex } from 'node:stream';
import { Opcode, WebSocketConnection, WsFrameParser, acceptKey, encodeWsFrame } from './websocket';

const MASK = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);

describe('WebSocket frames', () => {
  it('computes the handshake accept key of RFC 6455 §1.3', () => {
    expect(acceptKey('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('matches the RFC\'s masked "Hello" example and unmasks it', () => {
    const frame = encodeWsFrame(Opcode.Text, Buffer.from('Hello'), { mask: MASK });
    expect(frame.toString('hex')).toBe('818537fa213d7f9f4d5158');
    expect(new WsFrameParser().push(frame)).toEqual([{ fin: true, opcode: Opcode.Text, payload: Buffer.from('Hello') }]);
  });

  it.each([0, 125, 126, 65535, 65536, 200_000])('round-trips a %i-byte binary payload (7, 16 and 64-bit lengths)', (size) => {
    const payload = Buffer.alloc(size, 7);
    const frame = encodeWsFrame(Opcode.Binary, payload, { mask: MASK });
    const parser = new WsFrameParser();
    // Fed in two pieces: a frame split across reads waits for the rest.
    const cut = Math.min(3, frame.length - 1);
    const got = [...parser.push(frame.subarray(0, cut)), ...parser.push(frame.subarray(cut))];
    expect(got.map((f) => [f.fin, f.opcode, f.payload.length])).toEqual([[true, Opcode.Binary, size]]);
    expect(got[0].payload.equals(payload)).toBe(true);
  });

  it('writes server frames unmasked with the right length form', () => {
    expect(encodeWsFrame(Opcode.Binary, Buffer.from([1, 2])).toString('hex')).toBe('82020102');
    expect(encodeWsFrame(Opcode.Binary, Buffer.alloc(300)).subarray(0, 4).toString('hex')).toBe('827e012c');
  });

  it('refuses unmasked client frames', () => {
    expect(() => new WsFrameParser().push(encodeWsFrame(Opcode.Binary, Buffer.from('x')))).toThrow(/masked/);
  });
});

describe('WebSocketConnection', () => {
  function connection() {
    const written: Buffer[] = [];
    const socket = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        written.push(chunk);
        callback();
      },
    });
    const messages: Buffer[] = [];
    const ws = new WebSocketConnection(socket, (m) => messages.push(m));
    const fromClient = (frame: Buffer) => socket.push(frame);
    return { ws, written, messages, fromClient };
  }

  it('joins fragmented messages, answers pings, and answers a close before ending', async () => {
    const { ws, written, messages, fromClient } = connection();
    let closed = false;
    ws.onClose(() => (closed = true));
    fromClient(encodeWsFrame(Opcode.Binary, Buffer.from('ab'), { fin: false, mask: MASK }));
    fromClient(encodeWsFrame(Opcode.Ping, Buffer.from('hi'), { mask: MASK }));
    fromClient(encodeWsFrame(Opcode.Continuation, Buffer.from('cd'), { mask: MASK }));
    await new Promise((r) => setImmediate(r));
    expect(messages).toEqual([Buffer.from('abcd')]);
    expect(written[0]).toEqual(encodeWsFrame(Opcode.Pong, Buffer.from('hi')));
    const close = Buffer.alloc(2);
    close.writeUInt16BE(1000);
    fromClient(encodeWsFrame(Opcode.Close, close, { mask: MASK }));
    await new Promise((r) => setImmediate(r));
    expect(closed).toBe(true);
    expect(written.at(-1)).toEqual(encodeWsFrame(Opcode.Close, close));
  });

  it('sends binary messages and closes with a status code', async () => {
    const { ws, written } = connection();
    await ws.send(Buffer.from([3, 0x7b]));
    ws.close(1000);
    await expect(ws.send(Buffer.from('late'))).rejects.toThrow(/closed/);
    expect(written).toEqual([encodeWsFrame(Opcode.Binary, Buffer.from([3, 0x7b])), encodeWsFrame(Opcode.Close, Buffer.from([0x03, 0xe8]))]);
  });
});
