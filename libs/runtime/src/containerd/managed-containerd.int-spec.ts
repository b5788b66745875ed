import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ContainerKit, assertNothingLeft, describeWithContainers, eventually, randomName, startContainerKit } from '@logbook/testing';
import { CriClient } from '../cri/cri-client';
import { ManagedContainerd } from './managed-containerd';
import { mountsUnder, netnsFilesUnder, shimsOf } from './host-cleanup';
import { hasOwnBlackholeRoute } from './routes';

describeWithContainers('ManagedContainerd: a containerd that Logbook starts and owns', () => {
  let kit: ContainerKit | undefined;
  let current: ManagedContainerd | undefined;
  const k = () => kit!;

  beforeAll(async () => {
    kit = await startContainerKit({ images: ['busybox', 'pause'] });
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

  it('is adopted by a second start while it runs, and its sandboxes outlive a stop without removeAll', async () => {
    const first = k().containerd;
    const opts = { dataDir: first.dataDir, sandboxImage: k().registry.images.pause, registryMirrors: { 'docker.io': [k().registry.registry.url] }, insecureRegistries: [k().registry.address] };
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
});
