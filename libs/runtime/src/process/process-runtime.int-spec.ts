import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { eventually, makeTmpDir, randomName } from '@logbook/testing';
import { ContainerSpec, ContainerStatus, RuntimeError } from '../container-runtime.port';
import { ProcessRuntime, ProcessRuntimeOptions } from './process-runtime';

const NODE = process.execPath;

describe('ProcessRuntime', () => {
  let tmp: { path: string; remove(): void };
  const runtimes: ProcessRuntime[] = [];
  const pids = new Set<number>();

  function runtime(extra: Partial<ProcessRuntimeOptions> = {}): ProcessRuntime {
    const rt = new ProcessRuntime({ stateDir: tmp.path, ...extra });
    rt.onExit(() => undefined);
    runtimes.push(rt);
    return rt;
  }

  async function sandbox(rt: ProcessRuntime) {
    return rt.runPodSandbox({ uid: randomName('uid'), namespace: 'default', name: randomName('pod') });
  }

  function container(podUid: string, script: string, over: Partial<ContainerSpec> = {}): ContainerSpec {
    return { podUid, name: 'main', image: 'node:24', command: [NODE, '-e', script], args: [], env: {}, ...over };
  }

  async function start(rt: ProcessRuntime, spec: ContainerSpec): Promise<ContainerStatus> {
    const s = await rt.startContainer(spec);
    if (s.status.state === 'running') pids.add(s.status.pid);
    return s;
  }

  function nextExit(rt: ProcessRuntime): Promise<ContainerStatus> {
    return new Promise((resolve) => {
      const off = rt.onExit((s) => {
        off();
        resolve(s);
      });
    });
  }

  async function collect(it: AsyncIterable<string>): Promise<string[]> {
    const out: string[] = [];
    for await (const line of it) out.push(line);
    return out;
  }

  beforeEach(() => {
    tmp = makeTmpDir('logbook-runtime-');
  });

  afterEach(async () => {
    for (const rt of runtimes.splice(0)) await rt.close();
    for (const pid of pids) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    pids.clear();
    tmp.remove();
  });

  describe('sandboxes', () => {
    it('gives each pod its own loopback IP, bindable on this machine', async () => {
      const rt = runtime();
      const a = await sandbox(rt);
      const b = await sandbox(rt);
      expect(a.ip).toMatch(/^127\.1\.\d+\.\d+$/);
      expect(b.ip).not.toBe(a.ip);
      const server = createServer();
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, b.ip, resolve));
      expect(server.address()).toMatchObject({ address: b.ip });
      await new Promise((r) => server.close(r));
    });

    it('finds a sandbox again after a restart and frees its IP on removal', async () => {
      const rt = runtime();
      const spec = { uid: randomName('uid'), namespace: 'ns', name: 'p' };
      const first = await rt.runPodSandbox(spec);
      expect(await rt.runPodSandbox(spec)).toEqual(first);
      expect(first.logDir).toBe(join(tmp.path, 'pods', `ns_p_${spec.uid}`));
      await rt.close();
      const again = runtime();
      expect(await again.listSandboxes()).toEqual([first]);
      expect(await again.runPodSandbox(spec)).toEqual(first);
      await again.removePodSandbox(spec.uid);
      expect(await again.listSandboxes()).toEqual([]);
    });
  });

  describe('containers', () => {
    it('runs an HTTP server bound to its POD_IP, reachable over HTTP at the sandbox IP', async () => {
      const rt = runtime();
      const sb = await sandbox(rt);
      const script = `require('http').createServer((q, s) => { console.log('GET ' + q.url); s.end('hello from ' + process.env.POD_IP) }).listen(8080, process.env.POD_IP, () => console.log('listening'))`;
      const s = await start(rt, container(sb.uid, script));
      expect(s).toMatchObject({ attempt: 0, status: { state: 'running' } });
      await eventually(async () => (await collect(rt.logs(sb.uid, 'main', {}))).includes('listening'), { what: 'server listening' });
      const body = await (await fetch(`http://${sb.ip}:8080/x`)).text();
      expect(body).toBe(`hello from ${sb.ip}`);
      await eventually(async () => (await collect(rt.logs(sb.uid, 'main', {}))).includes('GET /x'), { what: 'access line' });
    });

    it('passes command then args without a shell, with workingDir and env', async () => {
      const rt = runtime();
      const sb = await sandbox(rt);
      const spec = container(sb.uid, '', {
        command: [NODE, '-e'],
        args: ['console.log(process.cwd(), process.env.GREETING, process.argv[1])', '$HOME *'],
        workingDir: tmp.path,
        env: { GREETING: 'hi' },
      });
      const exited = nextExit(rt);
      await start(rt, spec);
      expect((await exited).status).toMatchObject({ state: 'exited', exitCode: 0, reason: 'Completed' });
      expect(await collect(rt.logs(sb.uid, 'main', {}))).toEqual([`${tmp.path} hi $HOME *`]);
    });

    it('reports exit codes, signals and increments the attempt on restart', async () => {
      const rt = runtime();
      const sb = await sandbox(rt);
      let exited = nextExit(rt);
      await start(rt, container(sb.uid, 'process.exit(3)'));
      expect(await exited).toMatchObject({ attempt: 0, status: { state: 'exited', exitCode: 3, reason: 'Error' } });

      exited = nextExit(rt);
      const s = await start(rt, container(sb.uid, 'setInterval(() => {}, 1000)'));
      expect(s.attempt).toBe(1);
      if (s.status.state !== 'running') throw new Error('not running');
      process.kill(s.status.pid, 'SIGKILL'); // killed from outside
      expect(await exited).toMatchObject({ attempt: 1, status: { state: 'exited', exitCode: 137, signal: 'SIGKILL', reason: 'Error' } });
      expect(await rt.listContainers()).toEqual([await exited]);
    });

    it('rejects a container without a command, and one whose command does not exist', async () => {
      const rt = runtime();
      const sb = await sandbox(rt);
      const invalid = rt.startContainer(container(sb.uid, '', { command: [], image: 'nginx:1.27' }));
      await expect(invalid).rejects.toThrow(RuntimeError);
      await expect(invalid).rejects.toMatchObject({
        reason: 'InvalidCommand',
        message: 'this runtime runs commands, it cannot pull and run image nginx:1.27: set command',
      });
      await expect(rt.startContainer(container(sb.uid, '', { command: ['/nonexistent/binary'] }))).rejects.toMatchObject({ reason: 'StartError' });
      expect(await rt.listContainers()).toEqual([]);
    });

    it('refuses a second attempt while the first runs', async () => {
      const rt = runtime();
      const sb = await sandbox(rt);
      await start(rt, container(sb.uid, 'setInterval(() => {}, 1000)'));
      await expect(rt.startContainer(container(sb.uid, 'null'))).rejects.toMatchObject({ reason: 'AlreadyRunning' });
    });
  });

  describe('stopContainer', () => {
    it('sends SIGTERM, waits the grace period, then SIGKILLs the process group', async () => {
      const rt = runtime();
      const sb = await sandbox(rt);
      const marker = join(tmp.path, 'sigterm');
      const script = `process.on('SIGTERM', () => require('fs').writeFileSync(${JSON.stringify(marker)}, String(Date.now()))); console.log('ready'); setInterval(() => {}, 1000)`;
      await start(rt, container(sb.uid, script));
      await eventually(async () => (await collect(rt.logs(sb.uid, 'main', {}))).includes('ready'), { what: 'handler installed' });
      const exited = nextExit(rt);
      const t0 = Date.now();
      await rt.stopContainer(sb.uid, 'main', 1);
      const elapsed = Date.now() - t0;
      expect(existsSync(marker)).toBe(true);
      expect(Number(readFileSync(marker, 'utf8')) - t0).toBeLessThan(900);
      expect(elapsed).toBeGreaterThanOrEqual(1000);
      expect(elapsed).toBeLessThan(3000);
      expect((await exited).status).toMatchObject({ state: 'exited', exitCode: 137, signal: 'SIGKILL' });
    });

    it('returns as soon as a cooperative process exits on SIGTERM', async () => {
      const rt = runtime();
      const sb = await sandbox(rt);
      await start(rt, container(sb.uid, 'setInterval(() => {}, 1000)'));
      const t0 = Date.now();
      await rt.stopContainer(sb.uid, 'main', 30);
      expect(Date.now() - t0).toBeLessThan(2000);
      expect((await rt.listContainers())[0].status).toMatchObject({ state: 'exited', exitCode: 143, signal: 'SIGTERM' });
    });

    it('removePodSandbox kills what still runs and keeps the logs', async () => {
      const rt = runtime();
      const sb = await sandbox(rt);
      await start(rt, container(sb.uid, `process.on('SIGTERM', () => {}); console.log('up'); setInterval(() => {}, 1000)`));
      await eventually(async () => (await collect(rt.logs(sb.uid, 'main', {}))).includes('up'));
      await rt.removePodSandbox(sb.uid);
      expect(await rt.listContainers()).toEqual([]);
      expect(readFileSync(join(sb.logDir, 'main', '0.log'), 'utf8')).toBe('up\n');
    });
  });
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
      const go = join(tmp.path, 'go');
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
      await start(rt, container(sb.uid, 'setInterval(() => {}, 1000)', { env: { X: 'y' }, workingDir: tmp.path }));
      const r = await rt.exec(sb.uid, 'main', [NODE, '-e', 'console.log(process.env.POD_IP, process.env.X, process.cwd()); process.exit(2)'], 5000);
      expect(r).toEqual({ exitCode: 2, output: `${sb.ip} y ${tmp.path}\n` });
      await expect(rt.exec(sb.uid, 'main', [NODE, '-e', 'setInterval(() => {}, 1000)'], 200)).rejects.toMatchObject({ reason: 'Timeout' });
      await expect(rt.exec(sb.uid, 'other', ['true'], 200)).rejects.toMatchObject({ reason: 'NotRunning' });
    });
  });

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
      const file = join(tmp.path, 'containers', `${sb.uid}_main.json`);
      writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), startTicks: '1' }));
      const second = runtime();
      expect((await second.listContainers())[0].status).toMatchObject({ state: 'exited', reason: 'Unknown', exitCode: 255 });
      if (s.status.state === 'running') expect(() => process.kill(s.status.pid, 0)).not.toThrow(); // left alone
    });
  });

  describe('resource limits', () => {
    it('reports limits as not enforced, with a reason, when there is no usable cgroup v2', () => {
      const rt = runtime({ cgroupRoot: join(tmp.path, 'no-cgroup') });
      expect(rt.capabilities()).toEqual({ limitsEnforced: false, reason: expect.stringContaining('no cgroup v2 hierarchy') });
    });

    it('writes memory.max and cpu.max into a cgroup per container when the hierarchy is writable', async () => {
      const root = join(tmp.path, 'cgroup');
      require('node:fs').mkdirSync(root);
      writeFileSync(join(root, 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
      const rt = runtime({ cgroupRoot: root });
      expect(rt.capabilities()).toEqual({ limitsEnforced: true });
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
