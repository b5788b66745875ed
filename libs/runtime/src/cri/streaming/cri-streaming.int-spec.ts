import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex, Readable } from 'node:stream';
import { describeWithContainers, eventually, randomName, useContainerd } from '@logbook/testing';
import type { ExecProcess } from '../../container-runtime.port';
import { CriClient } from '../cri-client';
import type { ContainerConfig, PodSandboxConfig } from '../cri-types';
import { openPortForward, openRemoteCommand } from './index';

/**
 * The streaming client against a real containerd (the test kit's own, with a local registry):
 * CRI Exec/Attach/PortForward hand out URLs on its streaming server, and the client speaks
 * remotecommand v4 / portforward over SPDY/3.1 to them.
 */

/** Everything the test output of a stream gave so far, as text. */
function collect(stream: NodeJS.ReadableStream): { text: () => string; ended: Promise<string> } {
  const chunks: Buffer[] = [];
  (stream as Readable).on('data', (c: Buffer) => chunks.push(c));
  const text = () => Buffer.concat(chunks).toString('utf8');
  return { text, ended: new Promise((resolve) => (stream as Readable).once('end', () => resolve(text()))) };
}

const until = (condition: () => boolean, what: string) => eventually(condition, { timeoutMs: 10_000, intervalMs: 50, what });
const PATH = { key: 'PATH', value: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' };

describeWithContainers('CRI streaming client (containerd)', () => {
  const kit = useContainerd({ images: ['busybox', 'pause'] });
  // Nested, so that this sandbox is gone before the kit stops its containerd.
  describe('in one pod sandbox: a web server and a console', () => {
    let cri: CriClient;
    let image: string;
    let sandboxId: string;
    let sandboxConfig: PodSandboxConfig;
    let workload: string; // a container serving HTTP on 8080
    let console_: string; // a container whose own stdio is a terminal running sh
    const logDir = join(tmpdir(), randomName('logbook-cri-streaming-'));

    const container = async (name: string, command: string[], extra: Partial<ContainerConfig> = {}): Promise<string> => {
      const config: ContainerConfig = {
        metadata: { name, attempt: 0 },
        image: { image },
        command,
        args: [],
        envs: [PATH],
        mounts: [],
        labels: {},
        annotations: {},
        logPath: `${name}.log`,
        linux: { resources: {}, securityContext: {} },
        ...extra,
      };
      const id = await cri.createContainer(sandboxId, config, sandboxConfig);
      await cri.startContainer(id);
      return id;
    };

    beforeAll(async () => {
      cri = new CriClient({ socketPath: kit().socketPath });
      image = kit().registry.images.busybox;
      mkdirSync(logDir, { recursive: true });
      await cri.pullImage(image);
      const name = randomName('stream');
      sandboxConfig = { metadata: { name, uid: name, namespace: 'logbook-test', attempt: 0 }, hostname: name, logDirectory: logDir, labels: { 'logbook.io/test': 'cri-streaming' }, annotations: {} };
      sandboxId = await cri.runPodSandbox(sandboxConfig);
      workload = await container('web', ['/bin/sh', '-c', 'mkdir -p /tmp/www && echo hello-from-the-pod > /tmp/www/index.html && exec busybox httpd -f -p 8080 -h /tmp/www']);
      console_ = await container('console', ['/bin/sh'], { stdin: true, tty: true });
    }, 120_000);

    afterAll(async () => {
      if (sandboxId) {
        await cri.stopPodSandbox(sandboxId);
        await cri.removePodSandbox(sandboxId);
      }
      cri?.close();
      rmSync(logDir, { recursive: true, force: true });
    });

    const exec = async (cmd: string[], o: { stdin?: boolean; tty?: { cols: number; rows: number } } = {}): Promise<ExecProcess> => {
      const tty = o.tty !== undefined;
      const url = await cri.exec({ containerId: workload, cmd, tty, stdin: o.stdin ?? false, stdout: true, stderr: !tty });
      return openRemoteCommand(url, { stdin: o.stdin ?? false, stdout: true, stderr: !tty, ...(o.tty ? { tty: o.tty } : {}) });
    };

    it('runs a command: its stdout and stderr apart, and its exit code from the v4 Status', async () => {
      const proc = await exec(['/bin/sh', '-c', 'echo hi; echo oops >&2; exit 3']);
      const out = collect(proc.stdout);
      const err = collect(proc.stderr);
      expect(await proc.exited).toBe(3);
      expect(await out.ended).toBe('hi\n');
      expect(await err.ended).toBe('oops\n');
    });

    it('says 0 for a command that succeeded', async () => {
      const proc = await exec(['/bin/sh', '-c', 'echo fine']);
      const out = collect(proc.stdout);
      expect(await proc.exited).toBe(0);
      expect(await out.ended).toBe('fine\n');
    });

    it('pipes stdin through `cat`, and end() closes the command’s stdin', async () => {
      const proc = await exec(['busybox', 'cat'], { stdin: true });
      const out = collect(proc.stdout);
      proc.stdin!.write('first line\n');
      await until(() => out.text() === 'first line\n', 'cat to echo the first line');
      proc.stdin!.end('second line\n');
      expect(await proc.exited).toBe(0);
      expect(await out.ended).toBe('first line\nsecond line\n');
    });

    it('runs on a terminal of the size asked for, and resize() changes it', async () => {
      const proc = await exec(['/bin/sh'], { stdin: true, tty: { cols: 91, rows: 27 } });
      const out = collect(proc.stdout);
      // The first size reaches the terminal just after the command started: ask until it shows.
      await until(() => {
        proc.stdin!.write('busybox stty size\n');
        return out.text().includes('27 91');
      }, 'the first terminal size');
      proc.resize!({ cols: 120, rows: 33 });
      await until(() => {
        proc.stdin!.write('busybox stty size\n');
        return out.text().includes('33 120');
      }, 'the new terminal size');
      proc.stdin!.write('exit 4\n');
      expect(await proc.exited).toBe(4);
      expect(proc.stderr.read()).toBeNull(); // merged into stdout by the terminal
    });

    it('reports a command that cannot start as the runtime says it', async () => {
      const proc = await exec(['/no/such/command']);
      const out = collect(proc.stdout);
      await expect(proc.exited).rejects.toMatchObject({ reason: 'ExecError', message: expect.stringContaining('/no/such/command') });
      await out.ended;
    });

    it('kill() drops the connection: exited says 137 and the output ends', async () => {
      const proc = await exec(['/bin/sh', '-c', 'echo started; exec busybox sleep 600']);
      const out = collect(proc.stdout);
      await until(() => out.text() === 'started\n', 'the command to start');
      proc.kill();
      expect(await proc.exited).toBe(137);
      expect(await out.ended).toBe('started\n');
    });

    it('attaches to a container’s own terminal', async () => {
      const url = await cri.attach({ containerId: console_, tty: true, stdin: true, stdout: true, stderr: false });
      const proc = await openRemoteCommand(url, { stdin: true, stdout: true, stderr: false, tty: { cols: 80, rows: 24 } });
      const out = collect(proc.stdout);
      await until(() => {
        proc.stdin!.write('echo attached-$((6*7))\n');
        return out.text().includes('attached-42');
      }, 'the attached shell to answer');
      proc.kill();
      expect(await proc.exited).toBe(137);
    });

    it('forwards a connection to a port in the pod', async () => {
      const url = await cri.portForward(sandboxId, [8080]);
      const conn = await openPortForward(url, 8080);
      const response = collect(conn);
      conn.end('GET /index.html HTTP/1.0\r\n\r\n');
      const text = await response.ended;
      expect(text).toMatch(/^HTTP\/1\.[01] 200/);
      expect(text).toContain('hello-from-the-pod');
    });

    it('carries several forwarded connections at once, each on its own URL', async () => {
      const conns: Duplex[] = await Promise.all([1, 2, 3].map(async () => openPortForward(await cri.portForward(sandboxId, [8080]), 8080)));
      const texts = conns.map((c) => collect(c).ended);
      for (const c of conns) c.end('GET / HTTP/1.0\r\n\r\n');
      for (const t of await Promise.all(texts)) expect(t).toContain('hello-from-the-pod');
    });

    it('fails a forwarded connection to a port where nothing listens, with the runtime’s reason', async () => {
      const conn = await openPortForward(await cri.portForward(sandboxId, [8099]), 8099);
      const failed = new Promise<Error>((resolve) => conn.once('error', resolve));
      conn.resume();
      conn.write('hello?');
      expect(await failed).toMatchObject({ reason: 'PortForwardError', message: expect.stringContaining('8099') });
    });

    it('refuses a URL a second time (CRI streaming tokens are single-use)', async () => {
      const url = await cri.exec({ containerId: workload, cmd: ['/bin/sh', '-c', 'true'], tty: false, stdin: false, stdout: true, stderr: false });
      const proc = await openRemoteCommand(url, { stdin: false, stdout: true, stderr: false });
      await proc.exited;
      await expect(openRemoteCommand(url, { stdin: false, stdout: true, stderr: false })).rejects.toMatchObject({ reason: 'StreamError', message: expect.stringContaining('404') });
    });
  });
});
