import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '@logbook/testing';
import { useRuntimeKit } from './process-runtime.test-kit';

describe('ProcessRuntime: adoption and limits', () => {
  const { tmpPath, runtime, sandbox, container, start, nextExit, collect } = useRuntimeKit();

  describe('adoption after an agent restart', () => {
    it('sees the previous run\'s container as running (same pid), then its exit', async () => {
      const first = runtime();
      const sb = await sandbox(first);
      const s = await start(first, container(sb.uid, `console.log('started'); setInterval(() => console.log('alive'), 50)`));
      if (s.status.state !== 'running') throw new Error('not running');
      await first.close();

      const second = runtime({ adoptPollMs: 50 });
      expect(await second.listSandboxes()).toEqual([sb]);
      expect(await second.listContainers()).toEqual([s]);
      expect(second.specHash(sb.uid, 'main')).toMatch(/^[0-9a-f]{16}$/);
      await eventually(async () => (await collect(second.logs(sb.uid, 'main', {}))).filter((l) => l === 'alive').length >= 2, { what: 'output keeps flowing' });
      const exited = nextExit(second);
      process.kill(s.status.pid, 'SIGKILL');
      expect(await exited).toMatchObject({ attempt: 0, status: { state: 'exited', exitCode: 255, reason: 'Unknown' } });

      const third = runtime();
      expect((await third.listContainers())[0].status).toMatchObject({ state: 'exited', reason: 'Unknown' });
      expect((await third.startContainer(container(sb.uid, 'null'))).attempt).toBe(1);
    });

    it('keeps a container\'s environment off the disk, and exec in an adopted container still gets it', async () => {
      const value = `v-${Math.random().toString(36).slice(2)}`;
      const first = runtime();
      const sb = await sandbox(first);
      await start(first, container(sb.uid, `setInterval(() => {}, 1000)`, { env: { SECRET_VALUE: value } }));
      await first.close();
      const records = join(tmpPath(), 'containers');
      const stateFiles = readdirSync(records).map((f) => readFileSync(join(records, f), 'utf8'));
      expect(stateFiles.length).toBeGreaterThan(0);
      for (const text of stateFiles) expect(text).not.toContain(value);

      const second = runtime();
      const { output } = await second.exec(sb.uid, 'main', [process.execPath, '-e', 'process.stdout.write(process.env.SECRET_VALUE ?? "")'], 10_000);
      expect(output).toBe(value);
      await second.stopContainer(sb.uid, 'main', 0);
    });

    it('stops an adopted container with the grace period', async () => {
      const first = runtime();
      const sb = await sandbox(first);
      await start(first, container(sb.uid, `process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1000)`));
      await first.close();
      const second = runtime();
      await second.stopContainer(sb.uid, 'main', 5);
      expect((await second.listContainers())[0].status).toMatchObject({ state: 'exited' });
    });

    it('does not adopt a process that only reuses the recorded pid', async () => {
      const first = runtime();
      const sb = await sandbox(first);
      const s = await start(first, container(sb.uid, 'setInterval(() => {}, 1000)'));
      await first.close();
      const file = join(tmpPath(), 'containers', `${sb.uid}_main.json`);
      writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), startTicks: '1' }));
      const second = runtime();
      expect((await second.listContainers())[0].status).toMatchObject({ state: 'exited', reason: 'Unknown', exitCode: 255 });
      const pid = s.status.state === 'running' ? s.status.pid : -1;
      expect(() => process.kill(pid, 0)).not.toThrow(); // left alone
    });
  });

  describe('resource limits', () => {
    it('reports limits as not enforced, with a reason, when there is no usable cgroup v2', () => {
      const rt = runtime({ cgroupRoot: join(tmpPath(), 'no-cgroup') });
      expect(rt.capabilities()).toEqual({ name: 'process', version: '0.1.0', images: false, mounts: false, limitsEnforced: false, reason: expect.stringContaining('no cgroup v2 hierarchy') });
    });

    it('writes memory.max and cpu.max into a cgroup per container when the hierarchy is writable', async () => {
      const root = join(tmpPath(), 'cgroup');
      mkdirSync(root);
      writeFileSync(join(root, 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
      const rt = runtime({ cgroupRoot: root });
      expect(rt.capabilities()).toEqual({ name: 'process', version: '0.1.0', images: false, mounts: false, limitsEnforced: true });
      expect(readFileSync(join(root, 'logbook', 'cgroup.subtree_control'), 'utf8')).toBe('+memory +cpu');
      const sb = await sandbox(rt);
      const s = await start(rt, container(sb.uid, 'setInterval(() => {}, 1000)', { limits: { memory: '64Mi', cpu: '250m' } }));
      const dir = join(root, 'logbook', `${sb.uid}_main_0`);
      expect(readFileSync(join(dir, 'memory.max'), 'utf8')).toBe('67108864');
      expect(readFileSync(join(dir, 'cpu.max'), 'utf8')).toBe('25000 100000');
      if (s.status.state === 'running') expect(readFileSync(join(dir, 'cgroup.procs'), 'utf8')).toBe(String(s.status.pid));
    });
  });
});
