import type { Readable, Writable } from 'node:stream';
import type { ContainerRuntime, ExecProcess, RuntimeError } from '@logbook/runtime';
import type { TerminalSizes } from './terminal-sizes';
import { type ExecStatus, errorStatus, exitCodeStatus, successStatus } from './status';

/** What kubectl exec asked for, from the request's query (`command` repeated, `stdin`, `stdout`, `stderr`, `tty`). */
export interface ExecRequest {
  readonly command: readonly string[];
  readonly stdin: boolean;
  readonly stdout: boolean;
  readonly stderr: boolean;
  readonly tty: boolean;
}

/** Query flags of exec and attach (attach has no command). */
export function parseExecRequest(q: URLSearchParams): ExecRequest {
  const flag = (k: string) => ['true', '1'].includes(q.get(k) ?? '');
  return { command: q.getAll('command'), stdin: flag('stdin'), stdout: flag('stdout'), stderr: flag('stderr'), tty: flag('tty') };
}

/**
 * Why a request cannot be served, in kube-apiserver's words; undefined when it can. A runtime
 * without `attach` (the process runtime) starts containers with stdin closed and no terminal, so
 * attach there is output only.
 */
export function invalidExecRequest(r: ExecRequest, kind: 'exec' | 'attach' = 'exec', attachesStdio = false): string | undefined {
  if (kind === 'exec' && r.command.length === 0) return 'you must specify at least one command for the container';
  if (kind === 'attach' && r.stdin && !attachesStdio) return 'this node runs containers with stdin closed: attach without -i (output only)';
  if (!r.stdin && !r.stdout && !r.stderr) return 'you must specify at least 1 of stdin, stdout, stderr';
  if (kind === 'attach' && r.tty && !attachesStdio) return 'this node runs containers without a terminal: attach without -t';
  return undefined;
}

export interface ExecChannels {
  readonly stdin?: Readable;
  readonly stdout?: Writable;
  readonly stderr?: Writable;
  /** With a terminal: the sizes the client reports. */
  readonly resize?: TerminalSizes;
}

/** How long a terminal session waits for the client's first size before starting at 80x24. */
const FIRST_SIZE_WAIT_MS = 1_000;

/**
 * Runs the command in the container and wires the client's channels to it; resolves with the
 * Status to send once the command ended and its output was passed on. `cancelled` (the client
 * went away) kills the command's process group.
 */
export async function runExec(runtime: ContainerRuntime, podUid: string, container: string, request: ExecRequest, channels: ExecChannels, cancelled: Promise<void>): Promise<ExecStatus> {
  let proc: ExecProcess;
  try {
    const tty = request.tty ? ((await channels.resize?.first(FIRST_SIZE_WAIT_MS)) ?? { cols: 80, rows: 24 }) : undefined;
    proc = await runtime.execStream(podUid, container, request.command, { stdin: channels.stdin !== undefined, ...(tty ? { tty } : {}) });
  } catch (err) {
    channels.stdin?.resume();
    // As a shell (and kubectl against containerd) reports it: a command that cannot start is an exit code.
    const reason = (err as RuntimeError).reason;
    if (reason !== 'CommandNotFound' && reason !== 'ExecError') return errorStatus(`error executing command in container: ${(err as Error).message}`);
    (channels.stderr ?? channels.stdout)?.write(`${(err as Error).message}\n`);
    return exitCodeStatus(reason === 'CommandNotFound' ? 127 : 126);
  }
  return pipeProcess(proc, channels, cancelled);
}

/** Wires a started exec or attach to the client's channels; resolves with the Status once it ended. */
async function pipeProcess(proc: ExecProcess, channels: ExecChannels, cancelled: Promise<void>): Promise<ExecStatus> {
  void cancelled.then(() => proc.kill());
  const resize = proc.resize?.bind(proc);
  if (resize) channels.resize?.onChange(resize);
  if (channels.stdin && proc.stdin) {
    const stdin = proc.stdin;
    // The command may exit without reading its input: EPIPE then is expected, not a failure.
    stdin.on('error', () => undefined);
    channels.stdin.pipe(stdin as Writable);
  }
  const copied = [copy(proc.stdout as Readable, channels.stdout), copy(proc.stderr as Readable, channels.stderr)];
  const code = await proc.exited;
  await Promise.all(copied);
  channels.stdin?.unpipe();
  return code === 0 ? successStatus() : exitCodeStatus(code);
}

/** Passes a command's output on (or drains it when the client did not ask for that stream). */
function copy(from: Readable, to: Writable | undefined): Promise<void> {
  return new Promise((resolve) => {
    const resume = () => from.resume();
    from.on('data', (chunk: Buffer) => {
      // A client that went away gets nothing more; the command is killed, its pipe drained.
      if (to && !to.destroyed && !to.write(chunk)) {
        from.pause();
        to.once('drain', resume);
        to.once('close', resume);
      }
    });
    from.once('end', resolve);
    from.once('error', () => resolve());
    from.once('close', resolve);
  });
}

/**
 * kubectl attach: the container's output from now on, until it exits or the client leaves. It
 * comes from the container's log (stdout and stderr share it, so both arrive on stdout, line by line).
 */
export async function runAttach(runtime: ContainerRuntime, podUid: string, container: string, request: ExecRequest, channels: ExecChannels, cancelled: Promise<void>): Promise<ExecStatus> {
  // A runtime that can join the container's own stdio (CRI Attach) does; otherwise its log is followed.
  if (runtime.attach) {
    let proc: ExecProcess;
    try {
      const tty = request.tty ? ((await channels.resize?.first(FIRST_SIZE_WAIT_MS)) ?? { cols: 80, rows: 24 }) : undefined;
      proc = await runtime.attach(podUid, container, { stdin: channels.stdin !== undefined, ...(tty ? { tty } : {}) });
    } catch (err) {
      channels.stdin?.resume();
      return errorStatus(`cannot attach to container ${container}: ${(err as Error).message}`);
    }
    return pipeProcess(proc, channels, cancelled);
  }
  const out = channels.stdout ?? channels.stderr;
  const lines = runtime.logs(podUid, container, { follow: true, tailLines: 0 })[Symbol.asyncIterator]();
  let stopped = false;
  void cancelled.then(() => {
    stopped = true;
    void lines.return?.(undefined);
  });
  try {
    for (;;) {
      const next = await lines.next();
      if (next.done || stopped) break;
      if (out && !out.destroyed && !out.write(next.value.endsWith('\n') ? next.value : `${next.value}\n`)) await new Promise((resolve) => {
        out.once('drain', resolve);
        out.once('close', resolve);
      });
    }
  } catch (err) {
    return errorStatus(`cannot attach to container ${container}: ${(err as Error).message}`);
  }
  return successStatus();
}
