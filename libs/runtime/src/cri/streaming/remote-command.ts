import { PassThrough } from 'node:stream';
import { SpdySession, type SpdyStream } from '@logbook/spdy';
import { type ExecProcess, RuntimeError, type TerminalSize } from '../../container-runtime.port';
import { exitCodeOf } from './exit-status';
import { upgradeToSpdy } from './spdy-upgrade';

/** The remotecommand protocol spoken: v4 carries the exit code in a Status (containerd 1.6 serves v1–v4). */
export const REMOTE_COMMAND_V4 = 'v4.channel.k8s.io';
/** What `exited` says after kill(): the connection is gone, as a shell reports SIGKILL (128 + 9). */
const KILLED_EXIT_CODE = 137;

export interface RemoteCommandOptions {
  readonly stdin: boolean;
  readonly stdout: boolean;
  readonly stderr: boolean;
  /** With a terminal of this size (sent at once on the resize stream); stderr then arrives on stdout. */
  readonly tty?: TerminalSize;
}

/**
 * Opens containerd's remotecommand stream at `url` (from CRI Exec or Attach), as client-go does
 * against a kubelet: SPDY/3.1, protocol v4, one stream per channel tagged `streamType` (error,
 * stdin, stdout, stderr, resize), opened together since the server starts the command only
 * once it has all those the CRI request asked for. The options must match that request.
 *
 * A URL serves one connection (CRI streaming tokens are single-use). kill() drops the
 * connection: containerd then closes the command's stdio (with a terminal the command gets
 * SIGHUP), but CRI has no way to signal an exec'd command itself.
 */
export async function openRemoteCommand(url: string, options: RemoteCommandOptions): Promise<ExecProcess> {
  const { socket, head } = await upgradeToSpdy(url, REMOTE_COMMAND_V4);
  const session = SpdySession.client(socket, head);
  const open = (streamType: string) => session.openStream({ streamType });
  let streams: (SpdyStream | undefined)[];
  try {
    streams = await Promise.all([
      open('error'),
      options.stdin ? open('stdin') : undefined,
      options.stdout ? open('stdout') : undefined,
      options.stderr && !options.tty ? open('stderr') : undefined,
      options.tty ? open('resize') : undefined,
    ]);
  } catch (err) {
    session.destroy();
    throw new RuntimeError('StreamError', `cannot open the remote command's streams: ${(err as Error).message}`);
  }
  const [error, stdin, stdout, stderr, resize] = streams as [SpdyStream, ...(SpdyStream | undefined)[]];
  let killed = false;

  const sendSize = (size: TerminalSize) => {
    if (resize && !resize.writableEnded && !resize.destroyed) resize.write(JSON.stringify({ Width: size.cols, Height: size.rows }) + '\n');
  };
  if (options.tty) sendSize(options.tty);
  resize?.resume();
  stdin?.resume(); // nothing arrives on it; reading lets it end when the connection does

  const exited = new Promise<number>((resolve, reject) => {
    const status: Buffer[] = [];
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      const text = Buffer.concat(status).toString('utf8');
      // containerd always ends a v4 session with a Status, Success included: nothing at all means the connection was lost.
      if (text.trim() === '') {
        if (killed) resolve(KILLED_EXIT_CODE);
        else reject(new RuntimeError('StreamError', 'the streaming connection closed before the command reported its exit status'));
      } else {
        try {
          resolve(exitCodeOf(text));
        } catch (err) {
          reject(err as Error);
        }
      }
      // The server hangs up after the Status; should it not, the connection is ours to end.
      void session.close();
    };
    error.on('data', (chunk: Buffer) => status.push(chunk));
    error.once('end', settle);
    error.once('close', settle);
  });
  // A caller that only kills must not see an unhandled rejection.
  exited.catch(() => undefined);

  return {
    ...(stdin ? { stdin } : {}),
    stdout: readableOf(stdout),
    stderr: readableOf(stderr),
    exited,
    kill: () => {
      killed = true;
      session.destroy();
    },
    ...(options.tty ? { resize: sendSize } : {}),
  };
}

/** What the server sends on a stream, as a plain readable that ends however the stream does (FIN, reset, hang-up). */
function readableOf(stream: SpdyStream | undefined): PassThrough {
  const out = new PassThrough();
  if (!stream) return out.end();
  stream.pipe(out);
  stream.once('close', () => {
    if (!out.writableEnded) out.end();
  });
  return out;
}
