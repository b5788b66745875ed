import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { eventually, randomName } from '@logbook/testing';
import { RuntimeError } from '../container-runtime.port';
import { NODE, useRuntimeKit } from './process-runtime.test-kit';

describe('ProcessRuntime: sandboxes and containers', () => {
  const { tmpPath, runtime, sandbox, container, start, nextExit, collect } = useRuntimeKit();

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
      expect(first.logDir).toBe(join(tmpPath(), 'pods', `ns_p_${spec.uid}`));
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
        workingDir: tmpPath(),
        env: { GREETING: 'hi' },
      });
      const exited = nextExit(rt);
      await start(rt, spec);
      expect((await exited).status).toMatchObject({ state: 'exited', exitCode: 0, reason: 'Completed' });
      expect(await collect(rt.logs(sb.uid, 'main', {}))).toEqual([`${tmpPath()} hi $HOME *`]);
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
      const marker = join(tmpPath(), 'sigterm');
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
});
