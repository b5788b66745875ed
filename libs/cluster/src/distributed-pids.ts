import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, isLogbookProcess } from './pid-file';

/** `<data-dir>/distributed/pids.json`. */
export const distributedPidsPath = (dataDir: string): string => join(dataDir, 'distributed', 'pids.json');

/** One process's entry in pids.json. */
export interface PidEntry {
  readonly pid: number | null;
  readonly restarts: number;
  /** Its plain-HTTP health server's port (the node agent's read-only port). */
  readonly healthPort?: number;
  /** Where its Prometheus `/metrics` is scraped; the API server's (on its API port) needs a bearer token. */
  readonly metricsUrl?: string;
}

/** The shape of `<data-dir>/distributed/pids.json`. */
export interface PidsDocument {
  readonly supervisor: number;
  /** `local` for the jar broker the supervisor runs, else the bus URL it was given. */
  readonly broker?: string;
  readonly components: Record<string, PidEntry>;
}

interface Tracked {
  readonly name: string;
  readonly pid: number | undefined;
  readonly restarts: number;
  readonly healthPort?: number;
  readonly metricsUrl?: string;
}

/**
 * pids.json: rewritten (atomically) on every start, death and restart, so operators and tests can
 * find a component's process — and see a killed one come back under a new pid.
 */
export class PidsFile {
  private broker?: string;

  constructor(readonly path: string) {}

  read(): PidsDocument | undefined {
    if (!existsSync(this.path)) return undefined;
    try {
      return JSON.parse(readFileSync(this.path, 'utf8')) as PidsDocument;
    } catch {
      return undefined;
    }
  }

  setBroker(broker: string): void {
    this.broker = broker;
  }

  update(processes: readonly Tracked[]): void {
    const components: Record<string, PidEntry> = {};
    for (const p of processes) components[p.name] = { pid: p.pid ?? null, restarts: p.restarts, healthPort: p.healthPort, metricsUrl: p.metricsUrl };
    const doc: PidsDocument = { supervisor: process.pid, broker: this.broker, components };
    writeFileSync(`${this.path}.tmp`, `${JSON.stringify(doc, null, 2)}\n`);
    renameSync(`${this.path}.tmp`, this.path);
  }
}

/**
 * Components left running by a supervisor that was killed outright (its children have their own
 * process groups): stopped with SIGTERM (SIGKILL after 10 s) when they still run a Logbook app —
 * by the next `up --distributed` before new ones start, and by `logbook down`. Returns how many.
 */
export async function stopLeftovers(pids: PidsFile, out: (line: string) => void): Promise<number> {
  const previous = pids.read();
  if (!previous) return 0;
  if (previous.supervisor !== process.pid && isAlive(previous.supervisor) && isLogbookProcess(previous.supervisor)) {
    throw new Error(`another "logbook up --distributed" (pid ${previous.supervisor}) runs on this data dir; stop it first`);
  }
  const leftovers = Object.entries(previous.components).filter(([, e]) => e.pid !== null && isAlive(e.pid) && isLogbookProcess(e.pid));
  for (const [name, e] of leftovers) {
    out(`stopping ${name} (pid ${e.pid}) left running by an earlier supervisor`);
    process.kill(e.pid!, 'SIGTERM');
  }
  const deadline = Date.now() + 10_000;
  while (leftovers.some(([, e]) => isAlive(e.pid!)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const [, e] of leftovers) if (isAlive(e.pid!)) process.kill(e.pid!, 'SIGKILL');
  return leftovers.length;
}


