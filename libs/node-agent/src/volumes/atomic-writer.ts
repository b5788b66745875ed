import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Payload } from './payload';

/**
 * Writes the files of an API-data volume so that a reader never sees half an update — the
 * kubelet's AtomicWriter scheme: every version is a fresh hidden directory `..<timestamp>`,
 * `..data` is a symlink to the current one, swapped by rename(2) (atomic), and the paths users
 * see are symlinks through it (`key → ..data/key`). A process that opened a file keeps reading
 * the old, complete version; the next open sees the new one.
 */
export const DATA_DIR = '..data';
const DATA_DIR_TMP = '..data_tmp';

export interface WritePlan {
  /** False when the payload equals what is on disk (nothing to do: no new version, no swap). */
  readonly write: boolean;
  /** Top-level names to expose as `name → ..data/name` symlinks. */
  readonly visible: readonly string[];
  /** Top-level names of the old version the new one lacks: their symlinks go. */
  readonly stale: readonly string[];
}

/** What to do to go from the version on disk (undefined: none yet) to `desired`. */
export function planWrite(current: Payload | undefined, desired: Payload): WritePlan {
  const visible = topLevel(desired);
  const stale = current ? topLevel(current).filter((n) => !visible.includes(n)) : [];
  return { write: !current || !samePayload(current, desired), visible, stale };
}

function topLevel(payload: Payload): string[] {
  return [...new Set([...payload.keys()].map((p) => p.split('/')[0]))].sort();
}

export function samePayload(a: Payload, b: Payload): boolean {
  if (a.size !== b.size) return false;
  for (const [path, f] of a) {
    const g = b.get(path);
    if (!g || g.mode !== f.mode || !g.data.equals(f.data)) return false;
  }
  return true;
}

/** `..2026_12_06_18_51_07.` — the UTC timestamp prefix of a version directory (a random suffix follows). */
export function versionDirPrefix(now: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `..${now.getUTCFullYear()}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}_${p(now.getUTCHours())}_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}.`;
}

export interface WriteOptions {
  /** Group owner of the version directory and files (the pod's fsGroup); owner stays root. */
  readonly gid?: number;
  readonly now?: () => Date;
}

/**
 * Makes `dir` hold exactly `payload` (created when absent). Returns whether a new version was
 * written. Safe to re-run after a crash at any step: leftovers (`..data_tmp`, orphaned version
 * directories) are cleaned up on the next write.
 */
export async function writeAtomically(dir: string, payload: Payload, opts: WriteOptions = {}): Promise<boolean> {
  await fs.mkdir(dir, { recursive: true, mode: 0o755 });
  const currentName = await fs.readlink(join(dir, DATA_DIR)).catch(() => undefined);
  const current = currentName ? await readVersion(join(dir, currentName)).catch(() => undefined) : undefined;
  const plan = planWrite(current, payload);
  let newName = currentName;
  if (plan.write) {
    const version = await fs.mkdtemp(join(dir, versionDirPrefix((opts.now ?? (() => new Date()))())));
    newName = version.slice(dir.length + 1);
    await writeVersion(version, payload, opts.gid);
    await fs.rm(join(dir, DATA_DIR_TMP), { force: true });
    await fs.symlink(newName, join(dir, DATA_DIR_TMP));
    await fs.rename(join(dir, DATA_DIR_TMP), join(dir, DATA_DIR));
  }
  for (const name of plan.visible) {
    const link = join(dir, name);
    const target = join(DATA_DIR, name);
    const existing = await fs.readlink(link).catch(() => undefined);
    if (existing === target) continue;
    await fs.rm(link, { force: true, recursive: false }).catch(() => undefined);
    await fs.symlink(target, link);
  }
  for (const name of plan.stale) {
    const link = join(dir, name);
    const st = await fs.lstat(link).catch(() => undefined);
    if (st?.isSymbolicLink()) await fs.unlink(link);
  }
  // Old versions (and any a crash left behind) go last: readers holding them open keep their data.
  for (const entry of await fs.readdir(dir)) {
    if (entry.startsWith('..') && entry !== DATA_DIR && entry !== newName) await fs.rm(join(dir, entry), { recursive: true, force: true });
  }
  return plan.write;
}

async function writeVersion(version: string, payload: Payload, gid: number | undefined): Promise<void> {
  await fs.chmod(version, gid === undefined ? 0o755 : 0o2755);
  if (gid !== undefined) await fs.chown(version, 0, gid);
  for (const [path, f] of payload) {
    const file = join(version, path);
    const parent = dirname(file);
    if (parent !== version) {
      await fs.mkdir(parent, { recursive: true, mode: 0o755 });
      if (gid !== undefined) await chownUp(parent, version, gid);
    }
    await fs.writeFile(file, f.data, { flag: 'wx' });
    // chmod after writing: the process umask must not decide a file's mode.
    await fs.chmod(file, f.mode);
    if (gid !== undefined) await fs.chown(file, 0, gid);
  }
}

async function chownUp(dir: string, stop: string, gid: number): Promise<void> {
  for (let d = dir; d !== stop && d.startsWith(stop); d = dirname(d)) {
    await fs.chown(d, 0, gid);
    await fs.chmod(d, 0o2755);
  }
}

/** The files of one version directory, as a payload (symlinks and other non-files are ignored). */
export async function readVersion(version: string): Promise<Payload> {
  const out = new Map<string, { data: Buffer; mode: number }>();
  const walk = async (rel: string): Promise<void> => {
    for (const entry of await fs.readdir(join(version, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) {
        const file = join(version, path);
        const [data, st] = await Promise.all([fs.readFile(file), fs.lstat(file)]);
        out.set(path, { data, mode: st.mode & 0o7777 });
      }
    }
  };
  await walk('');
  return out;
}
