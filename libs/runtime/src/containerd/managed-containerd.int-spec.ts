import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ContainerKit, assertNothingLeft, describeWithContainers, eventually, randomName, startContainerKit } from '@logbook/testing';
import { CriClient } from '../cri/cri-client';
import type { PodSandboxConfig } from '../cri/cri-types';
import { ManagedContainerd } from './managed-containerd';
import { listProcesses, mountsUnder, netnsFilesUnder, processAlive, shimsOf } from './host-cleanup';
import { hasOwnBlackholeRoute } from './routes';

describeWithContainers('ManagedContainerd: a containerd that Logbook starts and owns', () => {
  let kit: ContainerKit | undefined;
  let current: ManagedContainerd | undefined;
  const k = () => kit!;

  beforeAll(async () => {
    kit = await startContainerKit({ privateRegistry: true });
    current = kit.containerd;
  }, 300_000);

  afterAll(async () => {
    await current?.stop({ removeAll: true });
    await kit?.stop();
  }, 120_000);

  it('starts with everything under its data directory and answers CRI Version', async () => {
    const c = k().containerd;
    expect(c.adopted).toBe(false);
    expect(existsSync(join(c.dataDir, 'config.toml'))).toBe(true);
    expect(c.socketPath.length).toBeLessThanOrEqual(101);
    expect(await c.version()).toMatchObject({ runtimeName: 'containerd', runtimeApiVersion: 'v1' });
    expect(hasOwnBlackholeRoute(k().clusterCIDR)).toBe(true);
  });

  it('runs a pod sandbox from the pause image on its own bridge, with an address from the pod CIDR', async () => {
    const cri = new CriClient({ socketPath: k().socketPath });
    try {
      const name = randomName('pod');
      const id = await cri.runPodSandbox({
        metadata: { name, uid: randomName('uid'), namespace: 'default', attempt: 0 },
        hostname: name,
        logDirectory: join(k().dataDir, 'pods', name),
        labels: { 'logbook.test': 'managed-containerd' },
        annotations: {},
      });
      const status = await cri.podSandboxStatus(id);
      const ip = (status as unknown as { network?: { ip?: string } }).network?.ip ?? '';
      const prefix = k().podCIDR.split('.').slice(0, 3).join('.') + '.';
      expect(ip.startsWith(prefix)).toBe(true);
      expect(existsSync(`/sys/class/net/${k().containerd.bridgeName}`)).toBe(true);
      expect(shimsOf(k().socketPath).length).toBeGreaterThan(0);
      expect(netnsFilesUnder(k().containerd.stateDir).length).toBe(1);
    } finally {
      cri.close();
    }
  }, 120_000);

  it('pulls the short name busybox through the docker.io mirror, and runs node from logbook/node', async () => {
    const cri = new CriClient({ socketPath: k().socketPath });
    try {
      const name = randomName('run');
      const logDirectory = join(k().dataDir, 'pods', name);
      const sandbox: PodSandboxConfig = { metadata: { name, uid: randomName('uid'), namespace: 'default', attempt: 0 }, hostname: name, logDirectory, labels: {}, annotations: {} };
      const podId = await cri.runPodSandbox(sandbox);
      const run = async (container: string, image: string, command: string[]) => {
        await cri.pullImage(image);
        const id = await cri.createContainer(podId, {
          metadata: { name: container, attempt: 0 },
          image: { image },
          command,
          args: [],
          envs: [],
          mounts: [],
          labels: {},
          annotations: {},
          logPath: `${container}.log`,
          linux: { resources: {}, securityContext: {} },
        }, sandbox);
        await cri.startContainer(id);
        const status = await eventually(async () => {
          const s = await cri.containerStatus(id);
          return s.state === 'CONTAINER_EXITED' && s;
        }, { what: `${container} to exit`, timeoutMs: 30_000 });
        return { exitCode: status.exitCode, log: readFileSync(join(logDirectory, `${container}.log`), 'utf8') };
      };
      const sh = await run('sh', 'busybox', ['sh', '-c', 'echo "$(hostname) $(id -u) $(which httpd)"']);
      expect(sh).toMatchObject({ exitCode: 0 });
      expect(sh.log).toContain(`${name} 0 /usr/sbin/httpd`);
      const node = await run('node', k().registry.images.node, ['node', '-e', 'console.log("node", process.versions.node.split(".")[0])']);
      expect(node).toMatchObject({ exitCode: 0 });
      expect(node.log).toContain('node 24');
    } finally {
      cri.close();
    }
  }, 120_000);

  it('pulls from the private registry only with credentials', async () => {
    const p = k().privateRegistry!;
    const cri = new CriClient({ socketPath: k().socketPath });
    try {
      await expect(cri.pullImage(p.privateImage)).rejects.toThrow(/401|unauthorized|authoriz/i);
      expect(await cri.pullImage(p.privateImage, { username: p.credentials.username, password: p.credentials.password })).toMatch(/^sha256:/);
    } finally {
      cri.close();
    }
  }, 60_000);

  it('is adopted by a second start while it runs, and its sandboxes outlive a stop without removeAll', async () => {
    const first = k().containerd;
    const opts = { dataDir: first.dataDir, sandboxImage: k().registry.images.pause, registryMirrors: { 'docker.io': [k().registry.registry.url] }, insecureRegistries: [k().registry.address, k().privateRegistry!.address] };
    const again = await ManagedContainerd.start(opts);
    expect(again.adopted).toBe(true);
    expect(again.pid).toBe(first.pid);

    await again.stop();
    expect(shimsOf(again.socketPath).length).toBeGreaterThan(0); // the sandbox still runs under its shim

    current = await ManagedContainerd.start(opts);
    expect(current.adopted).toBe(false);
    const cri = new CriClient({ socketPath: current.socketPath });
    try {
      await eventually(async () => (await cri.listPodSandbox({ labels: { 'logbook.test': 'managed-containerd' } })).some((s) => s.state === 'SANDBOX_READY'), {
        what: 'the sandbox, recovered as ready by the new containerd',
        timeoutMs: 30_000,
      });
    } finally {
      cri.close();
    }
  }, 120_000);

  it('stop({ removeAll }) leaves no sandbox, shim, mount, network namespace or bridge', async () => {
    const c = current!;
    await c.stop({ removeAll: true });
    expect(shimsOf(c.socketPath)).toEqual([]);
    expect(mountsUnder([c.dataDir])).toEqual([]);
    expect(netnsFilesUnder(c.stateDir)).toEqual([]);
    assertNothingLeft(c);
    current = undefined;
  }, 120_000);

  it('removeAllIn after containerd itself died: starts it once more, removes the sandboxes through CRI, and stops it', async () => {
    const c = await ManagedContainerd.start({ dataDir: k().dataDir, sandboxImage: k().registry.images.pause, insecureRegistries: [k().registry.address] });
    current = c;
    const cri = new CriClient({ socketPath: c.socketPath });
    try {
      const name = randomName('pod');
      await cri.runPodSandbox({ metadata: { name, uid: randomName('uid'), namespace: 'default', attempt: 0 }, hostname: name, logDirectory: join(c.dataDir, 'pods', name), labels: {}, annotations: {} });
    } finally {
      cri.close();
    }
    process.kill(c.pid, 'SIGKILL');
    await eventually(() => !processAlive(c.pid), { what: 'containerd to die' });
    expect(shimsOf(c.socketPath).length).toBeGreaterThan(0);

    const lines: string[] = [];
    await ManagedContainerd.removeAllIn(c.dataDir, { log: (l) => lines.push(l) });
    expect(lines.join('\n')).toMatch(/restarted .* to remove its sandboxes[\s\S]*removed 1 pod sandbox/);
    assertNothingLeft(c);
    expect(listProcesses().filter((p) => p.argv.includes(c.configPath))).toEqual([]);
    current = undefined;
  }, 120_000);

  it('puts its socket under /run/logbook/<hash> when the data directory is too long for one, and removes it again', async () => {
    const long = join(k().dataDir, 'x'.repeat(60), 'y'.repeat(40));
    const c = await ManagedContainerd.start({ dataDir: long, sandboxImage: k().registry.images.pause });
    try {
      expect(c.socketPath).toMatch(/^\/run\/logbook\/[0-9a-f]{12}\/containerd\.sock$/);
      expect(await c.version()).toMatchObject({ runtimeName: 'containerd' });
    } finally {
      await c.stop({ removeAll: true });
    }
    expect(existsSync(join(c.socketPath, '..'))).toBe(false);
    assertNothingLeft(c);
  }, 60_000);
});
