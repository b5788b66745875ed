import { execFile } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import type { TerminalSize } from '../container-runtime.port';

/**
 * A command on a pseudo-terminal without a native module: util-linux's script(1) (Essential in
 * Debian) allocates the pty, relays our pipes to its master side, and exits with the command's
 * code (-e). The initial size is set inside, before the command starts, so a full-screen program
 * draws at the right size from its first frame.
 */
export function onTerminal(command: readonly string[], size: TerminalSize): [string, string[]] {
  const line = `stty rows ${Math.trunc(size.rows)} cols ${Math.trunc(size.cols)} 2>/dev/null; exec ${command.map(shellQuote).join(' ')}`;
  return ['script', ['--quiet', '--flush', '--return', '--command', line, '/dev/null']];
}

/** Later sizes: set on the terminal the command holds (its stdin), which sends it SIGWINCH. */
export function resizeTerminal(scriptPid: number, size: TerminalSize): void {
  const tty = terminalOf(scriptPid);
  if (!tty) return;
  execFile('stty', ['-F', tty, 'rows', String(Math.trunc(size.rows)), 'cols', String(Math.trunc(size.cols))], () => undefined);
}

function terminalOf(scriptPid: number): string | undefined {
  try {
    const children = readFileSync(`/proc/${scriptPid}/task/${scriptPid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    for (const child of children) {
      const fd0 = readlinkSync(`/proc/${child}/fd/0`);
      if (fd0.startsWith('/dev/pts/')) return fd0;
    }
  } catch {
    // the session is ending
  }
  return undefined;
}

export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
