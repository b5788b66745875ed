import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTmpDir } from '@logbook/testing';
import { buildImage } from './image-builder';
import { pushImage } from './image-push';
import { LocalRegistry } from '../registry/local-registry';
import { listRegistry } from '../registry/registry-api';
import { findExecutable } from '../containerd/containerd-available';

const missing = ['umoci', 'skopeo', 'docker-registry', 'htpasswd'].filter((b) => !findExecutable(b));
const describeTools = missing.length === 0 || process.env.CI === 'true' ? describe : describe.skip;
if (missing.length > 0) process.stdout.write(`images.int-spec: ${process.env.CI === 'true' ? 'failing' : 'skipped'}: ${missing.join(', ')} not installed (infra/scripts/ensure-deps.sh)\n`);

describeTools('Logbook images, built without a container engine and pushed to the local registry', () => {
  const dir = makeTmpDir('logbook-images-');
  let registry: LocalRegistry | undefined;
  let privateRegistry: LocalRegistry | undefined;

  afterAll(async () => {
    await registry?.stop();
    await privateRegistry?.stop();
    dir.remove();
  });

  it('builds busybox, node and pause, and finds them in the cache the second time', async () => {
    for (const name of ['busybox', 'node', 'pause']) {
      const first = await buildImage(name);
      const again = await buildImage(name);
      expect(again.cached).toBe(true);
      expect(again.layoutDir).toBe(first.layoutDir);
      expect(again.manifestDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    }
  }, 240_000);

  it("builds python from Debian's python3 and python3-kubernetes: the client imports in the image's root", async () => {
    const python = await buildImage('python');
    expect((await buildImage('python')).cached).toBe(true);
    const blob = (digest: string) => join(python.layoutDir, 'blobs', 'sha256', digest.replace('sha256:', ''));
    const manifest = JSON.parse(readFileSync(blob(python.manifestDigest), 'utf8'));
    expect(JSON.parse(readFileSync(blob(manifest.config.digest), 'utf8')).config).toMatchObject({ Cmd: ['python3'] });
    const root = makeTmpDir('python-rootfs-');
    try {
      execFileSync('tar', ['-xzf', blob(manifest.layers[0].digest), '-C', root.path], { stdio: 'pipe' });
      // Nothing of the host's python is reachable from a chroot: what imports here imports in a container.
      const out = execFileSync('chroot', [root.path, '/usr/bin/python3', '-c', 'import kubernetes, kubernetes.config; from kubernetes import client; print(kubernetes.__version__)'], { encoding: 'utf8' });
      expect(out.trim()).toMatch(/^\d+\.\d+/);
    } finally {
      root.remove();
    }
  }, 300_000);

  it('gives each image the command, entrypoint and environment it is documented with', async () => {
    const configOf = async (name: string) => {
      const img = await buildImage(name);
      const blob = (digest: string) => JSON.parse(readFileSync(join(img.layoutDir, 'blobs', 'sha256', digest.replace('sha256:', '')), 'utf8'));
      const manifest = blob(img.manifestDigest);
      return { config: blob(manifest.config.digest), layers: manifest.layers.length };
    };
    const busybox = await configOf('busybox');
    expect(busybox.config).toMatchObject({ os: 'linux', architecture: process.arch === 'x64' ? 'amd64' : process.arch, created: '1970-01-01T00:00:00Z', config: { Cmd: ['sh'] } });
    expect(busybox.config.config.Entrypoint).toBeUndefined();
    expect(busybox.config.config.Env).toEqual([expect.stringMatching(/^PATH=.*\/bin/)]);
    expect(busybox.layers).toBe(1);
    const node = await configOf('node');
    expect(node.config.config).toMatchObject({ Cmd: ['node'] });
    expect(node.config.config.Entrypoint).toBeUndefined();
    const pause = await configOf('pause');
    expect(pause.config.config).toMatchObject({ Entrypoint: ['/pause'] });
  });

  it('pushes them to the registry, which lists their tags', async () => {
    registry = await LocalRegistry.start({ dir: `${dir.path}/open` });
    expect(registry.address).toMatch(/^127\.0\.0\.1:\d+$/);
    for (const name of ['busybox', 'node', 'pause']) await pushImage(await buildImage(name), { registry: registry.address });
    const listed = await registry.list();
    expect(listed).toEqual(
      expect.arrayContaining([
        { repository: 'logbook/busybox', tags: ['1.35'] },
        { repository: 'logbook/node', tags: ['24'] },
        { repository: 'logbook/pause', tags: ['3.9'] },
        { repository: 'library/busybox', tags: ['1.35', 'latest'] },
      ]),
    );
  }, 240_000);

  it('a private registry refuses a push and a listing without credentials and takes them with', async () => {
    privateRegistry = await LocalRegistry.start({ dir: `${dir.path}/private`, htpasswd: { user: 'u1', password: 'secret-1' } });
    const busybox = await buildImage('busybox');
    await expect(pushImage(busybox, { registry: privateRegistry.address, names: ['private/busybox:1'] })).rejects.toThrow(/credentials|unauthorized|authentication/i);
    await expect(listRegistry(privateRegistry.address)).rejects.toThrow(/authentication required/);
    await expect(listRegistry(privateRegistry.address, { username: 'u1', password: 'wrong' })).rejects.toThrow(/authentication required/);
    await pushImage(busybox, { registry: privateRegistry.address, names: ['private/busybox:1'], credentials: { username: 'u1', password: 'secret-1' } });
    expect(await privateRegistry.list()).toEqual([{ repository: 'private/busybox', tags: ['1'] }]);
  }, 120_000);
});
