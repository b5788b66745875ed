import { readFileSync } from 'node:fs';

/**
 * A process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat), or undefined when
 * the process is gone or a zombie. Comparing it with the recorded value tells "our" process from an
 * unrelated one that was given the same pid after ours died.
 */
export function processStartTicks(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = statFields(stat);
  const state = fields[0];
  if (state === 'Z' || state === 'X') return undefined;
  return fields[19];
}

/** The fields of /proc/<pid>/stat after the command name: [0] is field 3 (state). */
export function statFields(stat: string): string[] {
  // The command name (field 2) is in parentheses and may itself contain spaces and ')'.
  return stat.slice(stat.lastIndexOf(')') + 2).trim().split(' ');
}

/** Whether `pid` still runs and is the process that was recorded with `startTicks`. */
export function isSameProcessAlive(pid: number, startTicks: string | undefined): boolean {
  const now = processStartTicks(pid);
  return now !== undefined && (startTicks === undefined || now === startTicks);
}

/** Sends a signal to a whole process group; a group that is already gone is not an error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}
