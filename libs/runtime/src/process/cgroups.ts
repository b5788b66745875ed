import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RuntimeCapabilities } from '../container-runtime.port';
import { cgroupValues } from './cgroup-limits';

/**
 * Resource limits through cgroup v2: one child cgroup per container attempt under `<root>/logbook`.
 * Anything missing (no v2 hierarchy, no memory/cpu controller, not writable, not root) turns
 * enforcement off with a reason the node reports in its conditions; it never stops pods from running.
 */
export class Cgroups {
  readonly capabilities: RuntimeCapabilities;
  private readonly parent: string;

  constructor(root: string) {
    this.parent = join(root, 'logbook');
    this.capabilities = probe(root, this.parent);
  }

  /** Creates the container's cgroup with its limits; returns its path, or undefined when not enforced. */
  create(name: string, limits: Readonly<Record<string, string>> | undefined): string | undefined {
    if (!this.capabilities.limitsEnforced) return undefined;
    const dir = join(this.parent, name);
    try {
      mkdirSync(dir, { recursive: true });
      for (const [file, value] of Object.entries(cgroupValues(limits))) writeFileSync(join(dir, file), value);
      return dir;
    } catch {
      return undefined;
    }
  }

  /**
   * Moves a started process into its cgroup. Node cannot run code between fork and exec, so the
   * process runs unconstrained for the microseconds before this write; a child it forks in that
   * window stays outside. Accepted: the alternative is a wrapper process per container.
   */
  enter(dir: string, pid: number): void {
    try {
      writeFileSync(join(dir, 'cgroup.procs'), String(pid));
    } catch {
      // the process may already have exited
    }
  }

  remove(dir: string): void {
    try {
      rmdirSync(dir);
    } catch {
      // still populated by a stray process, or a plain directory in tests; the name is never reused
    }
  }
}

function probe(root: string, parent: string): RuntimeCapabilities {
  const controllersFile = join(root, 'cgroup.controllers');
  if (!existsSync(controllersFile)) return { limitsEnforced: false, reason: `no cgroup v2 hierarchy at ${root}` };
  const controllers = readFileSync(controllersFile, 'utf8').trim().split(/\s+/);
  const missing = ['memory', 'cpu'].filter((c) => !controllers.includes(c));
  if (missing.length > 0) return { limitsEnforced: false, reason: `cgroup v2 controllers not available at ${root}: ${missing.join(', ')}` };
  try {
    writeFileSync(join(root, 'cgroup.subtree_control'), '+memory +cpu');
    mkdirSync(parent, { recursive: true });
    writeFileSync(join(parent, 'cgroup.subtree_control'), '+memory +cpu');
  } catch (err) {
    return { limitsEnforced: false, reason: `cannot delegate cgroup v2 controllers under ${root}: ${(err as Error).message}` };
  }
  return { limitsEnforced: true };
}
