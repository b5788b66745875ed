import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTmpDir } from '@logbook/testing';
import { machineUsage, processGroupUsage } from './proc-usage';

/** /proc parsing on a written /proc tree (exact figures), then on the real one (plausible figures). */
describe('process group and machine usage from /proc', () => {
  const dir = makeTmpDir('logbook-proc-');
  afterAll(() => dir.remove());

  // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime prio nice threads itreal start vsize rss …
  const stat = (pid: number, comm: string, pgrp: number, utime: number, stime: number, cutime: number, cstime: number, rssPages: number) =>
    `${pid} (${comm}) S 1 ${pgrp} ${pgrp} 0 -1 4194560 10 0 0 0 ${utime} ${stime} ${cutime} ${cstime} 20 0 1 0 100 1000000 ${rssPages} 18446744073709551615`;

  it('sums CPU ticks (own and reaped children) and resident pages over each group, one pass for all groups', () => {
    const proc = join(dir.path, 'proc');
    const write = (pid: number, text: string) => {
      mkdirSync(join(proc, String(pid)), { recursive: true });
      writeFileSync(join(proc, String(pid), 'stat'), text);
    };
    write(100, stat(100, 'node', 100, 150, 50, 0, 0, 1000));
    write(101, stat(101, 'sh -c ) tricky', 100, 20, 10, 5, 5, 24)); // a name with spaces and ')'
    write(200, stat(200, 'other', 200, 7, 3, 0, 0, 10));
    write(300, stat(300, 'not asked', 300, 999, 999, 0, 0, 999));
    mkdirSync(join(proc, 'self'), { recursive: true });
    const usage = processGroupUsage([100, 200, 400], proc);
    // Ticks are 1/100 s and pages 4 KiB on Linux x86-64 (getconf CLK_TCK / PAGESIZE).
    expect(usage.get(100)).toEqual({ cpuSeconds: (150 + 50 + 20 + 10 + 5 + 5) / 100, rssBytes: 1024 * 4096 });
    expect(usage.get(200)).toEqual({ cpuSeconds: 0.1, rssBytes: 10 * 4096 });
    expect(usage.get(400)).toEqual({ cpuSeconds: 0, rssBytes: 0 }); // gone: nothing, not an error
    expect(usage.has(300)).toBe(false);
  });

  it('reads this machine: busy CPU time grows and memory in use is below the total', () => {
    const first = machineUsage();
    const until = Date.now() + 50;
    while (Date.now() < until); // spend some CPU
    const second = machineUsage();
    expect(second.cpuSeconds).toBeGreaterThan(first.cpuSeconds);
    expect(second.rssBytes).toBeGreaterThan(0);
    expect(second.rssBytes).toBeLessThan(second.memoryTotalBytes);
    const ownGroup = Number(/^\d+ \([^)]*\) \S+ \d+ (\d+)/.exec(readFileSync('/proc/self/stat', 'utf8'))![1]);
    expect(processGroupUsage([ownGroup]).get(ownGroup)!.rssBytes).toBeGreaterThan(10 * 1024 * 1024); // jest's own group
  });
});
