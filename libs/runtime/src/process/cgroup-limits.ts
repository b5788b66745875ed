import { intValue, milliValue } from '@logbook/scheduling';

/** cgroup v2 control values for a container's limits (pure). */
export interface CgroupValues {
  readonly 'memory.max': string;
  readonly 'cpu.max': string;
}

const CPU_PERIOD_US = 100_000;
const MIN_CPU_QUOTA_US = 1_000; // the kernel rejects quotas under 1 ms

export function cgroupValues(limits: Readonly<Record<string, string>> | undefined): CgroupValues {
  const memory = limits?.memory;
  const cpu = limits?.cpu;
  const quota = cpu === undefined ? undefined : Math.max(MIN_CPU_QUOTA_US, Math.ceil((milliValue(cpu) * CPU_PERIOD_US) / 1000));
  return {
    'memory.max': memory === undefined ? 'max' : String(intValue(memory)),
    'cpu.max': quota === undefined ? `max ${CPU_PERIOD_US}` : `${quota} ${CPU_PERIOD_US}`,
  };
}
