import { execFile, execFileSync } from 'node:child_process';
import type { AppliedNames } from './service-table';

/** Runs one `nft -f -` script: the kernel applies it as one transaction, all or nothing. */
export function nftApply(script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile('nft', ['-f', '-'], { maxBuffer: 16 * 1024 * 1024 }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      reject(new Error(`nft -f failed: ${String(stderr).trim() || err.message}`, { cause: err }));
    });
    child.stdin?.end(script);
  });
}

/** The chains and sets an existing table holds (after a restart, to clean up what is no longer wanted); undefined when there is no such table. */
export function listTableNames(family: string, table: string): AppliedNames | undefined {
  let out: string;
  try {
    out = execFileSync('nft', ['-j', 'list', 'table', family, table], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch {
    return undefined;
  }
  const chains = new Set<string>();
  const sets = new Map<string, 'set' | 'map'>();
  for (const item of (JSON.parse(out).nftables ?? []) as Record<string, { name?: string }>[]) {
    if (item.chain?.name) chains.add(item.chain.name);
    if (item.set?.name) sets.set(item.set.name, 'set');
    if (item.map?.name) sets.set(item.map.name, 'map');
  }
  return { chains, sets };
}

/** Removes a table of ours; nothing when it is not there. */
export function deleteTable(family: string, table: string): void {
  if (!tableExists(family, table)) return;
  execFileSync('nft', ['delete', 'table', family, table], { stdio: ['ignore', 'ignore', 'pipe'] });
}

export function tableExists(family: string, table: string): boolean {
  try {
    execFileSync('nft', ['list', 'table', family, table], { stdio: ['ignore', 'ignore', 'ignore'] });
    return true;
  } catch {
    return false;
  }
}

/** Whether `nft` is installed and may change the ruleset (root or CAP_NET_ADMIN). */
export function nftUsable(): { ok: true } | { ok: false; reason: string } {
  try {
    execFileSync('nft', ['list', 'tables'], { stdio: ['ignore', 'ignore', 'pipe'] });
    return { ok: true };
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') return { ok: false, reason: 'nft is not installed (apt-get install nftables)' };
    return { ok: false, reason: `nft cannot read the ruleset: ${e.stderr?.toString().trim() || e.message} (run as root or with CAP_NET_ADMIN)` };
  }
}
