import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '@logbook/testing';
import { NODE, useRuntimeKit } from './process-runtime.test-kit';

describe('ProcessRuntime: logs and exec', () => {
  const { tmpPath, runtime, sandbox, container, start, nextExit, collect } = useRuntimeKit();

  describe('logs', () => {
    const printer = (lines: string[], then = '') => `for (const l of ${JSON.stringify(lines)}) console.log(l); ${then}`;

    it('reads tailLines, limitBytes, timestamps and sinceSeconds', async () => {
      const rt = runtime();
      const sb = await sandbox(rt);
      const exited = nextExit(rt);
      const t0 = Date.now();
      await start(rt, container(sb.uid, printer(['one', 'two', 'three', 'four'])));
      await exited;
      expect(await collect(rt.logs(sb.uid, 'main', {}))).toEqual(['one', 'two', 'three', 'four']);
      expect(await collect(rt.logs(sb.uid, 'main', { tailLines: 2 }))).toEqual(['three', 'four']);
      expect(await collect(rt.logs(sb.uid, 'main', { tailLines: 0 }))).toEqual([]);
      expect(await collect(rt.logs(sb.uid, 'main', { limitBytes: 10 }))).toEqual(['one', 'two', 'th']);
      const stamped = await collect(rt.logs(sb.uid, 'main', { timestamps: true }));
      expect(stamped).toHaveLength(4);
      for (const line of stamped) {
        const [ts] = line.split(' ');
        expect(ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
        expect(Math.abs(Date.parse(ts) - t0)).toBeLessThan(5000);
      }
      expect(await collect(rt.logs(sb.uid, 'main', { sinceSeconds: 60 }))).toHaveLength(4);
      const later = runtime({ now: () => new Date(Date.now() + 3_600_000) });
      expect(await collect(later.logs(sb.uid, 'main', { sinceSeconds: 60 }))).toEqual([]);
    });

    it('reads the previous attempt with previous', async () => {
      const rt = runtime();
      const sb = await sandbox(rt);
      await expect(collect(rt.logs(sb.uid, 'main', {}))).rejects.toMatchObject({ reason: 'NotFound' });
      let exited = nextExit(rt);
      await start(rt, container(sb.uid, printer(['first run'], 'process.exit(1)')));
      await exited;
      await expect(collect(rt.logs(sb.uid, 'main', { previous: true }))).rejects.toMatchObject({ reason: 'NotFound' });
      exited = nextExit(rt);
      await start(rt, container(sb.uid, printer(['second run'])));
      await exited;
      expect(await collect(rt.logs(sb.uid, 'main', {}))).toEqual(['second run']);
      expect(await collect(rt.logs(sb.uid, 'main', { previous: true }))).toEqual(['first run']);
    });

    it('follows a running container until it exits', async () => {
      const rt = runtime();
      const sb = await sandbox(rt);
      const go = join(tmpPath(), 'go');
      const script = `console.log('before'); const fs = require('fs'); const t = setInterval(() => { if (fs.existsSync(${JSON.stringify(go)})) { clearInterval(t); let i = 0; const u = setInterval(() => { console.log('line ' + i); if (++i === 5) { clearInterval(u); process.stdout.write('no newline') } }, 20) } }, 20)`;
      await start(rt, container(sb.uid, script));
      await eventually(async () => (await collect(rt.logs(sb.uid, 'main', {}))).includes('before'));
      const followed = collect(rt.logs(sb.uid, 'main', { follow: true, tailLines: 1 }));
      writeFileSync(go, '');
      expect(await followed).toEqual(['before', 'line 0', 'line 1', 'line 2', 'line 3', 'line 4', 'no newline']);
    });

    it('stops following when the consumer stops iterating', async () => {
      const rt = runtime();
      const sb = await sandbox(rt);
      await start(rt, container(sb.uid, `setInterval(() => console.log('tick'), 20)`));
      const seen: string[] = [];
      for await (const line of rt.logs(sb.uid, 'main', { follow: true })) {
        seen.push(line);
        if (seen.length === 3) break;
      }
      expect(seen).toEqual(['tick', 'tick', 'tick']);
    });

    it('rotates a log past logMaxBytes and reads across the rotated file', async () => {
      const rt = runtime({ logMaxBytes: 200, logFiles: 2 });
      const sb = await sandbox(rt);
      const exited = nextExit(rt);
      // Slow writes: copytruncate loses what is written between its copy and its truncate.
      await start(rt, container(sb.uid, `let i = 0; const t = setInterval(() => { console.log('line-' + String(i).padStart(4, '0') + '-' + 'x'.repeat(40)); if (++i === 12) clearInterval(t) }, 30)`));
      await exited;
      const path = join(sb.logDir, 'main', '0.log');
      expect(existsSync(`${path}.1`)).toBe(true);
      const lines = await collect(rt.logs(sb.uid, 'main', {}));
      const inCurrent = readFileSync(path, 'utf8').split('\n').filter(Boolean).length;
      expect(lines.length).toBeGreaterThan(inCurrent);
      expect(lines[lines.length - 1]).toMatch(/^line-0011-/);
      expect([...lines].sort()).toEqual(lines);
    });
  });

  describe('exec', () => {
    it('runs a command with the container env and cwd, and times out', async () => {
      const rt = runtime();
      const sb = await sandbox(rt);
      await start(rt, container(sb.uid, 'setInterval(() => {}, 1000)', { env: { X: 'y' }, workingDir: tmpPath() }));
      const r = await rt.exec(sb.uid, 'main', [NODE, '-e', 'console.log(process.env.POD_IP, process.env.X, process.cwd()); process.exit(2)'], 5000);
      expect(r).toEqual({ exitCode: 2, output: `${sb.ip} y ${tmpPath()}\n` });
      await expect(rt.exec(sb.uid, 'main', [NODE, '-e', 'setInterval(() => {}, 1000)'], 200)).rejects.toMatchObject({ reason: 'Timeout' });
      await expect(rt.exec(sb.uid, 'other', ['true'], 200)).rejects.toMatchObject({ reason: 'NotRunning' });
    });
  });
});
