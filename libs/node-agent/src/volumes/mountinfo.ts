import { promises as fs } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { isWithin } from './paths';

const run = promisify(execFile);

export interface MountEntry {
  readonly mountPoint: string;
  readonly fsType: string;
  /** The super block options (`size=1024k,mode=777` for a tmpfs). */
  readonly superOptions: string;
}

/** /proc/self/mountinfo, one entry per line (see proc(5)): mount points with their `\040`-style escapes undone. */
export function parseMountInfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const [left, right] = line.split(' - ');
    const fields = left.split(' ');
    const tail = (right ?? '').split(' ');
    if (fields.length < 5) continue;
    out.push({ mountPoint: unescape(fields[4]), fsType: tail[0] ?? '', superOptions: tail[2] ?? '' });
  }
  return out;
}

function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export async function readMounts(): Promise<MountEntry[]> {
  return parseMountInfo(await fs.readFile('/proc/self/mountinfo', 'utf8'));
}

/** Mount points at or below `dir`, deepest (and latest) first: the order to unmount them in. */
export function mountsUnder(mounts: readonly MountEntry[], dir: string): string[] {
  const points = mounts.map((m) => m.mountPoint).filter((p) => isWithin(dir, p));
  return [...new Set(points)].reverse().sort((a, b) => b.split('/').length - a.split('/').length);
}

export async function isMountPoint(path: string): Promise<boolean> {
  return (await readMounts()).some((m) => m.mountPoint === path);
}

export async function mountTmpfs(dir: string, options: readonly string[]): Promise<void> {
  await run('mount', ['-t', 'tmpfs', ...(options.length ? ['-o', options.join(',')] : []), 'tmpfs', dir]);
}

export async function bindMount(source: string, target: string): Promise<void> {
  await run('mount', ['--bind', source, target]);
}

/** Unmounts; a mount still busy (a process lingering in it) is detached lazily rather than kept. */
export async function unmount(path: string): Promise<void> {
  try {
    await run('umount', [path]);
  } catch {
    await run('umount', ['-l', path]);
  }
}
