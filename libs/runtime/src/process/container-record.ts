import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ContainerSpec, ContainerState } from '../container-runtime.port';

/** What the runtime knows of a container (its current attempt). */
export interface ContainerRecord {
  readonly podUid: string;
  readonly name: string;
  readonly image: string;
  readonly specHash: string;
  /** The environment the process got (POD_IP included); exec runs with it too. */
  readonly env: Readonly<Record<string, string>>;
  readonly workingDir?: string;
  readonly attempt: number;
  readonly pid?: number;
  /** /proc/<pid>/stat start time: tells our process from a later one that reused its pid. */
  readonly startTicks?: string;
  readonly logPath: string;
  readonly cgroup?: string;
  readonly status: ContainerState;
}

/**
 * What is persisted in `containers/<podUid>_<name>.json`: the record without its environment,
 * which may hold Secret values (`secretKeyRef`) and must not reach the node's disk
 * (docs/security.md). An adopted process's environment is read back from /proc instead.
 */
export type StoredContainerRecord = Omit<ContainerRecord, 'env'>;

export function storedForm(record: ContainerRecord): StoredContainerRecord {
  const { env: _env, ...stored } = record;
  return stored;
}

/** The environment a running process was started with (`/proc/<pid>/environ`); empty once it is gone. */
export function processEnvironment(pid: number | undefined): Record<string, string> {
  if (pid === undefined) return {};
  try {
    const env: Record<string, string> = {};
    for (const entry of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
      const eq = entry.indexOf('=');
      if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    return env;
  } catch {
    return {};
  }
}

/** A stable hash of a container spec (keys sorted), to detect a spec that changed while the agent was down. */
export function containerSpecHash(spec: ContainerSpec): string {
  return createHash('sha256').update(stableJson(spec)).digest('hex').slice(0, 16);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
