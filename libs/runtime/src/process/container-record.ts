import { createHash } from 'node:crypto';
import type { ContainerSpec, ContainerState } from '../container-runtime.port';

/** What the runtime persists per container (its current attempt) in `containers/<podUid>_<name>.json`. */
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
