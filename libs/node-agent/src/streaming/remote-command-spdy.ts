import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ExecChannels, ExecRequest } from './exec-session';
import type { ExecStatus } from './status';
import { SpdySession, type SpdyStream } from '@logbook/spdy';
import { headerList, refuseUpgrade, writeSwitchingProtocols } from './upgrade';
import { errorStatus } from './status';
import { TerminalSizes } from './terminal-sizes';

/** The one remote-command protocol served over SPDY: v4 carries the exit code in a Status (kubectl 1.5+ speaks it). */
export const REMOTE_COMMAND_V4 = 'v4.channel.k8s.io';
/** How long the client gets to open the streams it asked for (the kubelet's streamCreationTimeout). */
const STREAM_CREATION_TIMEOUT_MS = 30_000;
/** After the Status, how long the client gets to hang up before the connection is dropped. */
const CLIENT_CLOSE_TIMEOUT_MS = 30_000;

/** A remote command session: which channels the client asked for, and what runs once they are open (exec or attach). */
export interface ExecTarget {
  readonly request: ExecRequest;
  run(channels: ExecChannels, cancelled: Promise<void>): Promise<ExecStatus>;
}

/**
 * kubectl exec (and attach) over SPDY/3.1: the client opens one stream per channel, tagged by the `streamType`
 * header (error, stdin, stdout, stderr); the command starts once all it asked for are open; the
 * error stream ends with a metav1.Status carrying the exit code.
 */
export function serveExecSpdy(req: IncomingMessage, socket: Duplex, head: Buffer, target: ExecTarget): void {
  const offered = headerList(req, 'X-Stream-Protocol-Version');
  if (!offered.includes(REMOTE_COMMAND_V4)) {
    return refuseUpgrade(socket, 403, `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server supports [${REMOTE_COMMAND_V4}]`);
  }
  writeSwitchingProtocols(socket, { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': REMOTE_COMMAND_V4 });
  const { request } = target;
  // With a terminal, stderr is merged into stdout by the terminal and sizes come on 'resize'.
  const wanted = new Set([
    'error',
    ...(request.stdin ? ['stdin'] : []),
    ...(request.stdout ? ['stdout'] : []),
    ...(request.stderr && !request.tty ? ['stderr'] : []),
    ...(request.tty ? ['resize'] : []),
  ]);
  const sizes = new TerminalSizes();
  const streams = new Map<string, SpdyStream>();
  let started = false;
  const session = SpdySession.server(
    socket,
    (stream) => {
      const type = stream.headers.streamtype;
      if (started || !wanted.has(type) || streams.has(type)) return stream.reset();
      streams.set(type, stream);
      if (type === 'resize') stream.on('data', (chunk: Buffer) => sizes.write(chunk));
      else if (type !== 'stdin') stream.resume(); // nothing comes from the client on these
      if (streams.size === wanted.size) {
        started = true;
        clearTimeout(timer);
        void run(target, streams, session, sizes);
      }
    },
    head,
  );
  const timer = setTimeout(() => void session.close(), STREAM_CREATION_TIMEOUT_MS);
  session.onClose(() => clearTimeout(timer));
}

async function run(target: ExecTarget, streams: Map<string, SpdyStream>, session: SpdySession, sizes: TerminalSizes): Promise<void> {
  const cancelled = new Promise<void>((resolve) => session.onClose(resolve));
  const errorStream = streams.get('error')!;
  let status;
  try {
    status = await target.run({ stdin: streams.get('stdin'), stdout: streams.get('stdout'), stderr: streams.get('stderr'), ...(target.request.tty ? { resize: sizes } : {}) }, cancelled);
  } catch (err) {
    status = errorStatus((err as Error).message);
  }
  streams.get('stdout')?.end();
  streams.get('stderr')?.end();
  errorStream.end(JSON.stringify(status));
  // client-go hangs up once it read the Status; closing first could drop output still queued on its side.
  const timer = setTimeout(() => void session.close(), CLIENT_CLOSE_TIMEOUT_MS);
  session.onClose(() => clearTimeout(timer));
}
