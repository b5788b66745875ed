import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What a Logbook-managed containerd can leave on the host, found and removed by their owner's
 * marks (our socket, our directories, our bridge), never by a broad name.
 */

/** Mount points at or under any of `dirs`, deepest first (so that parents unmount last). */
export function mountsUnder(dirs: readonly string[]): string[] {
  const text = readFileSync('/proc/self/mountinfo', 'utf8');
  const points = new Set<string>();
  for (const line of text.split('\n')) {
    const point = line.split(' ')[4];
    if (!point) continue;
    const p = unescapeMount(point);
    if (dirs.some((d) => p === d || p.startsWith(d.endsWith('/') ? d : `${d}/`))) points.add(p);
  }
  return [...points].sort((a, b) => b.split('/').length - a.split('/').length || b.length - a.length);
}

/** Lazily unmounts every mount under `dirs`; returns what it unmounted. */
export function unmountAllUnder(dirs: readonly string[]): string[] {
  const done: string[] = [];
  // A lazy unmount of a parent may reveal nothing new, but bind mounts stacked on one point need
  // one umount each: repeat until /proc/self/mountinfo lists none (bounded).
  for (let round = 0; round < 10; round++) {
    const points = mountsUnder(dirs);
    if (points.length === 0) break;
    for (const p of points) {
      const r = spawnSync('umount', ['-l', p], { stdio: ['ignore', 'ignore', 'pipe'] });
      if (r.status === 0) done.push(p);
    }
  }
  return done;
}

function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export interface ProcInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly argv: readonly string[];
}

export function listProcesses(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').filter((a, i, all) => a !== '' || i < all.length - 1);
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      out.push({ pid: Number(name), ppid, argv });
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/** containerd-shim-runc-v2 processes started by the containerd listening on `socket`. */
export function shimsOf(socket: string, procs: readonly ProcInfo[] = listProcesses()): ProcInfo[] {
  return procs.filter((p) => {
    if (!p.argv[0] || !/containerd-shim/.test(p.argv[0])) return false;
    const i = p.argv.indexOf('-address');
    return i >= 0 && p.argv[i + 1] === socket;
  });
}

/** SIGKILLs our shims and every process below them (a shim's death alone would orphan its containers). */
export function killShims(socket: string): number {
  const procs = listProcesses();
  const shims = shimsOf(socket, procs);
  if (shims.length === 0) return 0;
  const victims = new Set(shims.map((s) => s.pid));
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs) {
      if (victims.has(p.ppid) && !victims.has(p.pid)) {
        victims.add(p.pid);
        grew = true;
      }
    }
  }
  for (const pid of victims) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return shims.length;
}

/** Network namespace files containerd made under its state dir (netns_mounts_under_state_dir). */
export function netnsFilesUnder(stateDir: string): string[] {
  const dir = join(stateDir, 'io.containerd.grpc.v1.cri', 'netns');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).map((n) => join(dir, n));
}

export function removeNetnsFiles(stateDir: string): void {
  for (const f of netnsFilesUnder(stateDir)) rmSync(f, { force: true });
}

export function linkExists(name: string): boolean {
  return existsSync(`/sys/class/net/${name}`);
}

export function deleteLink(name: string): void {
  if (!linkExists(name)) return;
  execFileSync('ip', ['link', 'del', name], { stdio: ['ignore', 'ignore', 'pipe'] });
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

export function processArgv(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}
