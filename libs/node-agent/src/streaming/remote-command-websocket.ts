import type { IncomingMessage } from 'node:http';
import { PassThrough, type Duplex, Writable } from 'node:stream';
import type { ExecTarget } from './remote-command-spdy';
import { errorStatus } from './status';
import { TerminalSizes } from './terminal-sizes';
import { WebSocketConnection, acceptWebSocket } from './websocket';

/** v5 is v4 plus a close signal, so stdin can end: the one version kubectl's WebSocket executor offers. */
export const REMOTE_COMMAND_V5 = 'v5.channel.k8s.io';

const enum Channel {
  Stdin = 0,
  Stdout = 1,
  Stderr = 2,
  Error = 3,
  Resize = 4,
  /** v5: `[255, channel]` says the sender is done with that channel. */
  Close = 255,
}

/**
 * kubectl exec (and attach) over WebSocket (v5.channel.k8s.io): every binary message starts with its channel
 * byte. The command's output goes out on 1 and 2, the Status on 3, then a normal close, which
 * client-go reads as the end of every channel.
 */
export function serveExecWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, target: ExecTarget): void {
  if (!acceptWebSocket(req, socket, [REMOTE_COMMAND_V5])) return;
  const stdin = target.request.stdin ? new PassThrough() : undefined;
  const sizes = target.request.tty ? new TerminalSizes() : undefined;
  const ws = new WebSocketConnection(
    socket,
    (message) => {
      if (message.length === 0) return;
      if (message[0] === Channel.Stdin && stdin && !stdin.writableEnded) stdin.write(message.subarray(1));
      else if (message[0] === Channel.Close && message[1] === Channel.Stdin) stdin?.end();
      else if (message[0] === Channel.Resize) sizes?.write(message.subarray(1));
    },
    head,
  );
  const cancelled = new Promise<void>((resolve) => ws.onClose(resolve));
  const channel = (id: Channel) =>
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        ws.send(Buffer.concat([Buffer.from([id]), chunk])).then(() => callback(), callback);
      },
    }).on('error', () => undefined);
  const stdout = target.request.stdout ? channel(Channel.Stdout) : undefined;
  const stderr = target.request.stderr && !target.request.tty ? channel(Channel.Stderr) : undefined;
  void target
    .run({ stdin, stdout, stderr, ...(sizes ? { resize: sizes } : {}) }, cancelled)
    .catch((err: Error) => errorStatus(err.message))
    .then(async (status) => {
      await ws.send(Buffer.concat([Buffer.from([Channel.Error]), Buffer.from(JSON.stringify(status))])).catch(() => undefined);
      ws.close(1000);
    });
}
