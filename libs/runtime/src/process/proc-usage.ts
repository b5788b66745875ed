import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { statFields } from './proc-stat';

/** CPU time and memory of a set of processes, as read from /proc. */
export interface ProcUsage {
  /** User + system CPU time, in seconds (cumulative), including children it has waited for. */
  readonly cpuSeconds: number;
  /** Resident set size, in bytes: the working set a process runtime without cgroups can see. */
  readonly rssBytes: number;
}

let units: { ticksPerSecond: number; pageBytes: number } | undefined;

/** Clock ticks per second and the page size; asked once (`getconf`), Linux's usual values if that fails. */
function sysUnits(): { ticksPerSecond: number; pageBytes: number } {
  if (units) return units;
  const ask = (name: string, fallback: number) => {
    try {
      const n = Number(execFileSync('getconf', [name], { encoding: 'utf8', timeout: 2_000 }).trim());
      return Number.isFinite(n) && n > 0 ? n : fallback;
    } catch {
      return fallback;
    }
  };
  return (units = { ticksPerSecond: ask('CLK_TCK', 100), pageBytes: ask('PAGESIZE', 4096) });
}

/**
 * Usage of every process in each of the given process groups (a container's main process leads
 * its own group, and what it spawns stays in it): one pass over /proc for all groups at once.
 */
export function processGroupUsage(pgids: Iterable<number>, procRoot = '/proc'): Map<number, ProcUsage> {
  const { ticksPerSecond, pageBytes } = sysUnits();
  const totals = new Map<number, { ticks: number; pages: number }>();
  for (const pgid of pgids) totals.set(pgid, { ticks: 0, pages: 0 });
  if (totals.size > 0) {
    for (const entry of readdirSync(procRoot)) {
      if (!/^\d+$/.test(entry)) continue;
      let stat: string;
      try {
        stat = readFileSync(`${procRoot}/${entry}/stat`, 'utf8');
      } catch {
        continue; // gone meanwhile
      }
      const f = statFields(stat);
      const total = totals.get(Number(f[2])); // field 5: pgrp
      if (!total) continue;
      // Fields 14–17: utime, stime, cutime, cstime (ticks); field 24: rss (pages).
      total.ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
      total.pages += Math.max(0, Number(f[21]));
    }
  }
  return new Map([...totals].map(([pgid, t]) => [pgid, { cpuSeconds: t.ticks / ticksPerSecond, rssBytes: t.pages * pageBytes }]));
}

/** The whole machine: busy CPU time from /proc/stat and memory in use (MemTotal − MemAvailable). */
export function machineUsage(procRoot = '/proc'): ProcUsage & { readonly memoryTotalBytes: number } {
  const { ticksPerSecond } = sysUnits();
  const cpu = readFileSync(`${procRoot}/stat`, 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already in user/nice).
  const busy = cpu.slice(0, 8).reduce((a, b) => a + b, 0) - (cpu[3] ?? 0) - (cpu[4] ?? 0);
  const meminfo = readFileSync(`${procRoot}/meminfo`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(meminfo)?.[1] ?? 0) * 1024;
  const total = kib('MemTotal');
  return { cpuSeconds: busy / ticksPerSecond, rssBytes: Math.max(0, total - kib('MemAvailable')), memoryTotalBytes: total };
}
