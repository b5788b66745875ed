import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processStartTicks } from '@logbook/runtime';

/** `<data-dir>/logbook.pid`: the pid of the `logbook up` that serves this data directory. */
export function pidFilePath(dataDir: string): string {
  return join(dataDir, 'logbook.pid');
}

/**
 * The pid of the live `logbook up` of this data directory, or undefined when none runs. A pid
 * file left by a crash, or naming a process that is not Logbook (pids are reused), counts as none.
 */
export function runningUpPid(dataDir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFilePath(dataDir), 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  return isAlive(pid) && isLogbookProcess(pid) ? pid : undefined;
}

export function writePidFile(dataDir: string): void {
  writeFileSync(pidFilePath(dataDir), `${process.pid}\n`);
}

/** Removes the pid file if it is still this process's (a later `up` may have replaced it). */
export function removeOwnPidFile(dataDir: string): void {
  try {
    if (Number(readFileSync(pidFilePath(dataDir), 'utf8').trim()) === process.pid) rmSync(pidFilePath(dataDir), { force: true });
  } catch {
    // already gone
  }
}

export function removePidFile(dataDir: string): void {
  rmSync(pidFilePath(dataDir), { force: true });
}

/** Running, and not a zombie waiting for its parent (it has stopped, then). */
export function isAlive(pid: number): boolean {
  return processStartTicks(pid) !== undefined;
}

/** The pid still belongs to a Logbook process (pids get reused). Linux /proc; elsewhere assume so. */
export function isLogbookProcess(pid: number): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('dist/apps/') || cmdline.includes('logbook');
  } catch {
    return !existsSync('/proc');
  }
}
