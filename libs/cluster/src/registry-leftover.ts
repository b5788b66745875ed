import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The config `logbook up --registry` starts docker-registry on (see image-registry.ts). */
export const registryConfigOf = (dataDir: string): string => join(resolve(dataDir), 'registry', 'config.yml');

/** Pids of the docker-registry processes serving this data directory's registry. */
export function registryPidsOf(dataDir: string): number[] {
  const config = registryConfigOf(dataDir);
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(join('/proc', entry, 'cmdline'), 'utf8').split('\0');
    } catch {
      continue; // gone while we looked
    }
    if (/docker-registry$/.test(argv[0] ?? '') && argv[1] === 'serve' && argv[2] === config) pids.push(Number(entry));
  }
  return pids;
}

/**
 * Stops the registry a killed `logbook up` left running (it is its child, not detached, but a
 * SIGKILL of its parent does not end it): before a new one starts on the same storage, and at
 * `logbook down`. Returns how many it stopped.
 */
export async function stopLeftoverRegistry(dataDir: string, timeoutMs = 5_000): Promise<number> {
  const pids = registryPidsOf(dataDir);
  const signal = (pid: number, s: NodeJS.Signals) => {
    try {
      process.kill(pid, s);
    } catch {
      // already gone
    }
  };
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  const alive = () => registryPidsOf(dataDir).filter((p) => pids.includes(p));
  while (alive().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const pid of alive()) signal(pid, 'SIGKILL');
  return pids.length;
}
