import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface Availability {
  readonly ok: boolean;
  readonly reason?: string;
}

/** Where Debian's containernetworking-plugins installs the CNI plugins (and other distributions' places). */
export const CNI_BIN_DIRS = ['/usr/lib/cni', '/opt/cni/bin', '/usr/libexec/cni'];
const CNI_PLUGINS = ['bridge', 'host-local', 'portmap', 'loopback'];
const BINARIES: readonly (readonly [string, string])[] = [
  ['containerd', 'containerd'],
  ['containerd-shim-runc-v2', 'containerd'],
  ['runc', 'runc'],
];

let cached: Availability | undefined;

/**
 * Whether this machine can run containers through a Logbook-managed containerd: the binaries are
 * installed, the process may administer namespaces, and it can make a network namespace. Asked
 * once per process (the answer does not change while it runs).
 */
export function containerdAvailable(): Availability {
  cached ??= probe();
  return cached;
}

export function findExecutable(name: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/usr/bin', '/sbin', '/bin']);
  for (const dir of dirs) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The first directory that holds every CNI plugin Logbook's network uses. */
export function findCniBinDir(): string | undefined {
  return CNI_BIN_DIRS.find((dir) => CNI_PLUGINS.every((p) => existsSync(join(dir, p))));
}

function probe(): Availability {
  if (process.platform !== 'linux') return { ok: false, reason: `containers need Linux (this is ${process.platform})` };
  const missing = new Set<string>();
  for (const [bin, pkg] of BINARIES) if (!findExecutable(bin)) missing.add(pkg);
  if (!findCniBinDir()) missing.add('containernetworking-plugins');
  if (!findExecutable('ip')) missing.add('iproute2');
  if (missing.size > 0) return { ok: false, reason: `missing ${[...missing].join(', ')}: apt-get install -y ${[...missing].join(' ')} (or run infra/scripts/ensure-deps.sh as root)` };
  if (!hasSysAdmin()) return { ok: false, reason: 'containerd needs root (or CAP_SYS_ADMIN): run as root' };
  const netns = canMakeNetns();
  if (netns !== true) return { ok: false, reason: `cannot create a network namespace (${netns}): containers need a machine or container that allows unshare(CLONE_NEWNET)` };
  return { ok: true };
}

function hasSysAdmin(): boolean {
  if (process.getuid?.() === 0) return true;
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return m !== null && (BigInt(`0x${m[1]}`) & (1n << 21n)) !== 0n; // CAP_SYS_ADMIN is bit 21
}

function canMakeNetns(): true | string {
  const unshare = findExecutable('unshare');
  if (!unshare) return 'unshare (util-linux) not found';
  try {
    execFileSync(unshare, ['--net', 'true'], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 5000 });
    return true;
  } catch (err) {
    return String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim() || 'unshare --net failed';
  }
}
