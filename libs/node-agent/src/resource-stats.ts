import type { KubeObject } from '@logbook/kube';
import { type ContainerRuntime, type ContainerStats, machineUsage } from '@logbook/runtime';

/** CPU as kubelet's Summary API reports it: a rate over the last interval and the cumulative time. */
export interface CpuStats {
  readonly time: string;
  /** Not in kubelet's API: the interval the rate was measured over (metrics.k8s.io's `window`). */
  readonly windowSeconds: number;
  readonly usageNanoCores: number;
  readonly usageCoreNanoSeconds: number;
}

export interface MemoryStats {
  readonly time: string;
  readonly workingSetBytes: number;
  readonly availableBytes?: number;
}

/** The subset of kubelet's `/stats/summary` (stats/v1alpha1 Summary) that metrics pipelines read. */
export interface Summary {
  readonly node: { readonly nodeName: string; readonly cpu?: CpuStats; readonly memory: MemoryStats };
  readonly pods: ReadonlyArray<{
    readonly podRef: { readonly name: string; readonly namespace: string; readonly uid: string };
    readonly cpu?: CpuStats;
    readonly memory: MemoryStats;
    readonly containers: ReadonlyArray<{ readonly name: string; readonly cpu?: CpuStats; readonly memory: MemoryStats }>;
  }>;
}

interface Reading {
  readonly at: number; // ms
  readonly machineCpuSeconds: number;
  readonly containers: Map<string, ContainerStats>; // podUid/name → stats
}

/**
 * The node's resource usage (cAdvisor's job in a kubelet): every `intervalMs` it reads the
 * runtime's per-container CPU time and memory and the machine's, and keeps the last two readings
 * so `/stats/summary` can give CPU as a rate (nano-cores over the interval). Until the second
 * reading a container has memory but no CPU rate, as with a fresh kubelet.
 */
export class ResourceStats {
  private previous?: Reading;
  private latest?: Reading;
  private timer?: NodeJS.Timeout;
  private reading?: Promise<void>;

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly nodeName: string,
    private readonly pods: () => KubeObject[],
    private readonly intervalMs = 10_000,
  ) {}

  start(): void {
    if (!this.runtime.stats || this.timer) return;
    void this.read();
    this.timer = setInterval(() => void this.read(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Takes a reading now (one at a time). */
  read(): Promise<void> {
    this.reading ??= this.take().finally(() => (this.reading = undefined));
    return this.reading;
  }

  summary(): Summary {
    const latest = this.latest;
    const previous = this.previous;
    const time = new Date(latest?.at ?? Date.now()).toISOString();
    const machine = machineUsage();
    const rate = (now: number, before: number | undefined): CpuStats | undefined =>
      latest && previous && before !== undefined && now >= before
        ? {
            time,
            windowSeconds: (latest.at - previous.at) / 1000,
            usageNanoCores: Math.round(((now - before) * 1e9 * 1000) / (latest.at - previous.at)),
            usageCoreNanoSeconds: Math.round(now * 1e9),
          }
        : undefined;
    const byUid = new Map(this.pods().map((p) => [p.metadata.uid!, p]));
    const pods = new Map<string, { pod: KubeObject; containers: ContainerStats[] }>();
    for (const c of latest?.containers.values() ?? []) {
      const pod = byUid.get(c.podUid);
      if (!pod) continue;
      const entry = pods.get(c.podUid) ?? { pod, containers: [] };
      entry.containers.push(c);
      pods.set(c.podUid, entry);
    }
    return {
      node: {
        nodeName: this.nodeName,
        cpu: rate(latest?.machineCpuSeconds ?? 0, previous?.machineCpuSeconds),
        memory: { time, workingSetBytes: machine.rssBytes, availableBytes: machine.memoryTotalBytes - machine.rssBytes },
      },
      pods: [...pods.values()].map(({ pod, containers }) => {
        const stats = containers.map((c) => ({
          name: c.name,
          cpu: rate(c.cpuSeconds, previous?.containers.get(`${c.podUid}/${c.name}`)?.cpuSeconds),
          memory: { time, workingSetBytes: c.memoryWorkingSetBytes },
        }));
        const cpus = stats.map((s) => s.cpu);
        return {
          podRef: { name: pod.metadata.name!, namespace: pod.metadata.namespace!, uid: pod.metadata.uid! },
          cpu: cpus.every((c) => c !== undefined)
            ? { time, windowSeconds: cpus[0]!.windowSeconds, usageNanoCores: sum(cpus.map((c) => c!.usageNanoCores)), usageCoreNanoSeconds: sum(cpus.map((c) => c!.usageCoreNanoSeconds)) }
            : undefined,
          memory: { time, workingSetBytes: sum(stats.map((s) => s.memory.workingSetBytes)) },
          containers: stats,
        };
      }),
    };
  }

  private async take(): Promise<void> {
    const containers = await this.runtime.stats!();
    const reading: Reading = {
      at: Date.now(),
      machineCpuSeconds: machineUsage().cpuSeconds,
      containers: new Map(containers.map((c) => [`${c.podUid}/${c.name}`, c])),
    };
    this.previous = this.latest;
    this.latest = reading;
  }
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
