import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, randomName } from '@logbook/testing';
import type { ContainerSpec, ContainerStatus } from '../container-runtime.port';
import type { CriRuntime } from './cri-runtime';
import { criTarget, criUnavailable, useCriEnv } from './cri-runtime.test-kit';

const SH = ['/bin/sh', '-c'];

function text(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(Buffer.from(c)));
  return new Promise((resolve) => stream.once('end', () => resolve(Buffer.concat(chunks).toString('utf8'))));
}

describe('CriRuntime: what only real containers do', () => {
  if (criUnavailable) {
    const reason = criUnavailable;
    if (process.env.CI === 'true')
      it('can run', () => {
        throw new Error(`cannot run the CRI specs: ${reason}`);
      });
    else it.skip(`skipped: ${criUnavailable}`, () => undefined);
    return;
  }
  const env = useCriEnv();
  let target: ReturnType<typeof criTarget>;
  let rt: CriRuntime;

  beforeEach(async () => {
    target = criTarget(env());
    rt = await target.runtime();
    await rt.images.pullImage(env().busybox);
  });
  afterEach(() => target.cleanup());

  const registryOf = (image: string): string => image.split('/')[0];

  async function pod(name = randomName('pod')) {
    return rt.runPodSandbox({ uid: randomName('uid'), namespace: 'cri', name });
  }

  function sh(podUid: string, script: string, over: Partial<ContainerSpec> = {}): ContainerSpec {
    return { podUid, name: 'main', image: env().busybox, command: SH, args: [script], env: {}, ...over };
  }

  /** Runs a script to its end; its exit status and log lines. */
  async function run(spec: ContainerSpec): Promise<{ status: ContainerStatus; lines: string[] }> {
    const exited = new Promise<ContainerStatus>((resolve) => {
      const off = rt.onExit((s) => {
        if (s.podUid === spec.podUid && s.name === spec.name) {
          off();
          resolve(s);
        }
      });
    });
    await rt.startContainer(spec);
    const status = await exited;
    const lines: string[] = [];
    for await (const l of rt.logs(spec.podUid, spec.name, {})) lines.push(l);
    return { status, lines };
  }

  describe('images', () => {
    it('pulls an image and lists it with its id and digest', async () => {
      const info = await rt.images.pullImage(env().busybox);
      expect(info.id).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(info.repoTags).toContain(env().busybox);
      expect(info.repoDigests[0]).toMatch(/@sha256:[0-9a-f]{64}$/);
      expect(await rt.images.imageStatus(env().busybox)).toEqual(info);
      expect((await rt.images.listImages()).map((i) => i.id)).toContain(info.id);
      expect(await rt.images.imageStatus(`${registryOf(env().busybox)}/absent/image:1`)).toBeUndefined();
    });

    it('a missing image is ErrImagePull with the registry message', async () => {
      const missing = `${registryOf(env().busybox)}/${randomName('nope')}/nothing:1`;
      await expect(rt.images.pullImage(missing)).rejects.toMatchObject({ reason: 'ErrImagePull', message: expect.stringMatching(/not found/) });
    });
  });

  describe('containers', () => {
    it('reports containerd ids, the image and its digest', async () => {
      const sb = await pod();
      const { status } = await run(sh(sb.uid, 'exit 0'));
      expect(status.containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
      expect(status.image).toBe(env().busybox);
      expect(status.imageID).toMatch(/@sha256:[0-9a-f]{64}$/);
    });

    it('runs the entrypoint as PID 1 and sees no host process; the hostname is the pod name', async () => {
      const sb = await pod('web-0');
      const { lines } = await run(sh(sb.uid, 'echo "pid1=$(tr "\\0" " " < /proc/1/cmdline)"; echo "procs=$(ls /proc | grep -c "^[0-9]")"; echo "host=$(hostname)"'));
      expect(lines[0]).toMatch(/^pid1=\/bin\/sh -c /);
      expect(Number(lines[1].split('=')[1])).toBeLessThan(5);
      expect(lines[2]).toBe('host=web-0');
    });

    it('runs as runAsUser, and keeps a readOnlyRootFilesystem read-only', async () => {
      const sb = await pod();
      const { lines } = await run(sh(sb.uid, 'id -u; id -g; touch /x 2>&1; echo rc=$?', { securityContext: { runAsUser: 1234, runAsGroup: 2345, readOnlyRootFilesystem: true } }));
      expect(lines[0]).toBe('1234');
      expect(lines[1]).toBe('2345');
      expect(lines.join('\n')).toMatch(/Read-only file system/);
      expect(lines.at(-1)).toBe('rc=1');
    });

    it('gives the pod its own /etc/hosts with hostAliases, and runs privileged containers in a privileged sandbox', async () => {
      const sb = await rt.runPodSandbox({ uid: randomName('uid'), namespace: 'cri', name: 'web', privileged: true, hostAliases: [{ ip: '10.9.9.9', hostnames: ['db'] }] });
      const { lines, status } = await run(sh(sb.uid, 'cat /etc/hosts; grep CapEff /proc/self/status', { securityContext: { privileged: true } }));
      expect(status.status).toMatchObject({ exitCode: 0 });
      expect(lines).toContain(`${sb.ip}\tweb`);
      expect(lines).toContain('10.9.9.9\tdb');
      expect(lines.at(-1)).not.toMatch(/CapEff:\s+00000000a80425fb/); // more than the default capabilities
    });

    it('refuses runAsNonRoot for an image that runs as root, before creating anything', async () => {
      const sb = await pod();
      await expect(rt.startContainer(sh(sb.uid, 'true', { securityContext: { runAsNonRoot: true } }))).rejects.toMatchObject({
        reason: 'CreateContainerConfigError',
        message: expect.stringContaining('container has runAsNonRoot and image will run as root'),
      });
      expect((await rt.listContainers()).filter((c) => c.podUid === sb.uid)).toEqual([]);
      // A non-root runAsUser satisfies it.
      const { status } = await run(sh(sb.uid, 'true', { securityContext: { runAsNonRoot: true, runAsUser: 1000 } }));
      expect(status.status).toMatchObject({ exitCode: 0 });
    });

    it('kills a container over its memory limit: OOMKilled', async () => {
      const sb = await pod();
      const { status } = await run(sh(sb.uid, 'head -c 128m /dev/zero | tail; echo survived', { limits: { memory: '32Mi' } }));
      expect(status.status).toMatchObject({ state: 'exited', reason: 'OOMKilled' });
    });

    it('binds host directories, read-only when asked', async () => {
      const sb = await pod();
      const dir = join(target.logDir, 'volume');
      mkdirSync(dir);
      writeFileSync(join(dir, 'greeting'), 'hello\n');
      // One stream: a CRI log interleaves stdout and stderr from two pipes in no fixed order.
      const { lines } = await run(
        sh(sb.uid, 'exec 2>&1; cat /data/greeting; echo x > /data/new; echo rc=$?', { mounts: [{ containerPath: '/data', hostPath: dir, readOnly: true }] }),
      );
      expect(lines[0]).toBe('hello');
      expect(lines.at(-1)).toBe('rc=1');
    });

    it('reads the termination message the container left', async () => {
      const sb = await pod();
      const { status } = await run(sh(sb.uid, 'echo "it broke" > /dev/termination-log; exit 2'));
      expect(status.status).toMatchObject({ exitCode: 2, reason: 'Error', message: 'it broke\n' });
      expect(status.message).toBe('it broke\n');
    });

    it('reports usage of running containers', async () => {
      const sb = await pod();
      await rt.startContainer(sh(sb.uid, 'while true; do :; done'));
      const stats = await eventually(async () => (await rt.stats()).find((s) => s.podUid === sb.uid && s.cpuSeconds > 0), { what: 'cpu usage' });
      expect(stats).toMatchObject({ name: 'main' });
      expect(stats.memoryWorkingSetBytes).toBeGreaterThan(0);
      await rt.stopContainer(sb.uid, 'main', 0);
    });

    it('keeps one previous attempt and removes older ones', async () => {
      const sb = await pod();
      for (let i = 0; i < 3; i++) await run(sh(sb.uid, `echo run ${i}`));
      const lines: string[] = [];
      for await (const l of rt.logs(sb.uid, 'main', { previous: true })) lines.push(l);
      expect(lines).toEqual(['run 1']);
      expect(existsSync(join(sb.logDir, 'main', '0.log'))).toBe(false);
      expect(existsSync(join(sb.logDir, 'main', '1.log'))).toBe(true);
    });

    it('execStream and portForward go through the streaming server', async () => {
      const sb = await pod();
      await rt.startContainer(sh(sb.uid, 'mkdir -p /tmp/www && echo served > /tmp/www/index.html && echo ready && exec httpd -f -p 8080 -h /tmp/www'));
      await eventually(async () => {
        for await (const l of rt.logs(sb.uid, 'main', {})) if (l === 'ready') return true;
        return false;
      });
      const proc = await rt.execStream(sb.uid, 'main', [...SH, 'echo out; echo err >&2; exit 5'], { stdin: false });
      const [out, err] = [text(proc.stdout), text(proc.stderr)];
      expect(await proc.exited).toBe(5);
      expect([await out, await err]).toEqual(['out\n', 'err\n']);

      const conn = await eventually(() => rt.portForward(sb.uid, 8080), { what: 'port-forward' });
      conn.write('GET /index.html HTTP/1.0\r\n\r\n');
      expect(await text(conn)).toMatch(/200 OK[\s\S]*served/);
    });

    it('an exec that outlives its timeout is a Timeout', async () => {
      const sb = await pod();
      await rt.startContainer(sh(sb.uid, 'echo ready; exec sleep 600'));
      await eventually(async () => (await rt.listContainers()).some((c) => c.podUid === sb.uid && c.status.state === 'running'));
      const t0 = Date.now();
      await expect(rt.exec(sb.uid, 'main', ['sleep', '30'], 1000)).rejects.toMatchObject({ reason: 'Timeout' });
      expect(Date.now() - t0).toBeLessThan(10_000);
    });

    it('says what it is', () => {
      expect(rt.capabilities()).toMatchObject({ name: 'containerd', version: expect.stringMatching(/^\d+\.\d+/), images: true, mounts: true, limitsEnforced: true });
    });
  });
});
