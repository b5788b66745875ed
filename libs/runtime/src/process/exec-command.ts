import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { RuntimeError } from '../container-runtime.port';
import { signalGroup } from './proc-stat';

const MAX_OUTPUT = 1024 * 1024; // probes look at exit codes; keep a runaway command from filling memory

/**
 * Runs a command beside a container (same machine, its env and cwd: there is no namespace to
 * enter). A timeout kills the command's whole process group and rejects with reason 'Timeout'.
 */
export function execCommand(
  command: readonly string[],
  opts: { readonly env: Readonly<Record<string, string>>; readonly cwd?: string; readonly timeoutMs: number },
): Promise<{ exitCode: number; output: string }> {
  if (command.length === 0) return Promise.reject(new RuntimeError('InvalidCommand', 'exec needs a command'));
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], command.slice(1), { cwd: opts.cwd, env: { ...opts.env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let size = 0;
    const collect = (b: Buffer): void => {
      if (size >= MAX_OUTPUT) return;
      chunks.push(b);
      size += b.length;
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
    }, opts.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new RuntimeError('ExecError', `cannot run ${command[0]}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) return reject(new RuntimeError('Timeout', `${command[0]} did not finish within ${opts.timeoutMs} ms`));
      resolve({ exitCode: exitCodeOf(code, signal), output: Buffer.concat(chunks).toString('utf8').slice(0, MAX_OUTPUT) });
    });
  });
}

/** A shell's convention, which Kubernetes reports too: killed by signal n → 128 + n. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const signo = signal === null ? undefined : constants.signals[signal];
  return 128 + (signo ?? 0);
}
