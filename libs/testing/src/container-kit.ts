import { execFileSync } from 'node:child_process';
import {
  LocalRegistry,
  ManagedContainerd,
  buildImage,
  containerdAvailable,
  findExecutable,
  hasOwnBlackholeRoute,
  installBlackholeRoutes,
  linkExists,
  mountsUnder,
  netnsFilesUnder,
  pushImage,
  removeBlackholeRoutes,
  shimsOf,
} from '@logbook/runtime';
import { makeTmpDir, randomName } from './tmp-dir';

/**
 * Real containers for int and e2e specs: a local registry holding Logbook's own images and a
 * Logbook-managed containerd whose pod network lives inside a freshly blackholed cluster CIDR.
 * Everything it starts is removed again, and the removal is checked.
 */

export interface RegistryEnv {
  readonly registry: LocalRegistry;
  /** host:port */
  readonly address: string;
  /** Full references of the pushed images in this registry. */
  readonly images: { readonly busybox: string; readonly node: string; readonly pause: string };
  /** Set for a private registry (htpasswd). */
  readonly credentials?: { readonly username: string; readonly password: string };
}

export interface ContainerdEnv {
  readonly containerd: ManagedContainerd;
  readonly socketPath: string;
  readonly dataDir: string;
  readonly registry: RegistryEnv;
  /** A second registry that wants credentials, holding busybox as `private/busybox:1.35`. */
  readonly privateRegistry?: RegistryEnv & { readonly credentials: { readonly username: string; readonly password: string }; readonly privateImage: string };
  readonly podCIDR: string;
  readonly clusterCIDR: string;
}

export interface ContainerKitOptions {
  /** Also start a registry with htpasswd auth (for imagePullSecrets tests). */
  readonly privateRegistry?: boolean;
  /** Which images to push (default all three). */
  readonly images?: readonly ('busybox' | 'node' | 'pause')[];
  readonly log?: (line: string) => void;
}

const TOOLS = ['umoci', 'skopeo', 'docker-registry', 'htpasswd'];

// Jest's globals, reached through globalThis so that this file also compiles where @types/jest
// is not loaded (the build type-checks whatever imports @logbook/testing).
type Hook = (fn: () => Promise<void> | void, timeoutMs?: number) => void;
type Describe = ((title: string, fn: () => void) => void) & { skip: (title: string, fn: () => void) => void };
const jestGlobals = () => globalThis as unknown as { describe: Describe; beforeAll: Hook; afterAll: Hook };

/** Why real containers cannot run here, or undefined when they can. */
export function containerKitUnavailable(): string | undefined {
  const c = containerdAvailable();
  if (!c.ok) return c.reason;
  const missing = TOOLS.filter((t) => !findExecutable(t));
  if (missing.length > 0) return `missing ${missing.join(', ')}: run infra/scripts/ensure-deps.sh as root`;
  return undefined;
}

/**
 * `describe` that runs where containers can, skips locally with the reason printed, and runs
 * anyway under CI=true (where the kit's set-up then fails with that reason).
 */
export function describeWithContainers(title: string, fn: () => void): void {
  const reason = containerKitUnavailable();
  if (reason && process.env.CI !== 'true') {
    process.stdout.write(`skipping "${title}": ${reason}\n`);
    jestGlobals().describe.skip(title, fn);
  } else jestGlobals().describe(title, fn);
}

/** Starts a local registry in a temp dir and pushes Logbook's images to it. */
export async function startTestRegistry(o: { htpasswd?: boolean; names?: (image: string) => string[]; images?: readonly string[]; log?: (l: string) => void } = {}): Promise<RegistryEnv & { stop(): Promise<void> }> {
  const dir = makeTmpDir('logbook-registry-');
  const credentials = o.htpasswd ? { username: randomName('user'), password: randomName('pw') } : undefined;
  let registry: LocalRegistry | undefined;
  try {
    registry = await LocalRegistry.start({ dir: dir.path, htpasswd: credentials && { user: credentials.username, password: credentials.password }, log: o.log });
    const refs: Record<string, string> = {};
    for (const name of o.images ?? ['busybox', 'node', 'pause']) {
      const image = await buildImage(name, { log: o.log });
      const pushed = await pushImage(image, { registry: registry.address, credentials, names: o.names?.(name), log: o.log });
      refs[name] = pushed[0];
    }
    const reg = registry;
    return {
      registry: reg,
      address: reg.address,
      images: { busybox: refs.busybox ?? '', node: refs.node ?? '', pause: refs.pause ?? '' },
      credentials,
      async stop() {
        await reg.stop();
        dir.remove();
      },
    };
  } catch (err) {
    await registry?.stop();
    dir.remove();
    throw err;
  }
}

/** A cluster CIDR 10.X.0.0/16 (X in 100–250) that this machine routes nowhere yet. */
export function freeClusterCIDR(): string {
  const routes = execFileSync('ip', ['-j', 'route', 'show', 'table', 'all'], { encoding: 'utf8' });
  const used = new Set((JSON.parse(routes) as { dst?: string }[]).map((r) => /^10\.(\d+)\./.exec(r.dst ?? '')?.[1]).filter(Boolean));
  for (let i = 0; i < 200; i++) {
    const x = 100 + Math.floor(Math.random() * 151);
    if (x !== 244 && !used.has(String(x))) return `10.${x}.0.0/16`;
  }
  throw new Error('no free 10.X.0.0/16 for a test cluster CIDR');
}

export interface ContainerKit extends ContainerdEnv {
  /** Stops containerd with removeAll, the registries and the blackhole, and checks that nothing is left. */
  stop(): Promise<void>;
}

export async function startContainerKit(o: ContainerKitOptions = {}): Promise<ContainerKit> {
  const reason = containerKitUnavailable();
  if (reason) throw new Error(`real containers cannot run on this machine: ${reason}`);
  const cleanups: (() => Promise<void> | void)[] = [];
  const runCleanups = async () => {
    const errors: unknown[] = [];
    const todo = cleanups.splice(0).reverse();
    for (const c of todo) {
      try {
        await c();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw errors[0];
  };
  try {
    const clusterCIDR = freeClusterCIDR();
    installBlackholeRoutes([clusterCIDR]);
    cleanups.push(() => removeBlackholeRoutes([clusterCIDR]));
    const octet = clusterCIDR.split('.')[1];
    const podCIDR = `10.${octet}.${1 + Math.floor(Math.random() * 254)}.0/24`;

    const registry = await startTestRegistry({ images: o.images, log: o.log });
    cleanups.push(() => registry.stop());
    let privateRegistry: ContainerdEnv['privateRegistry'];
    if (o.privateRegistry) {
      const p = await startTestRegistry({ htpasswd: true, images: ['busybox'], names: () => ['private/busybox:1.35'], log: o.log });
      cleanups.push(() => p.stop());
      privateRegistry = { ...p, credentials: p.credentials!, privateImage: `${p.address}/private/busybox:1.35` };
    }

    const dir = makeTmpDir('logbook-ctrd-');
    cleanups.push(() => dir.remove());
    const containerd = await ManagedContainerd.start({
      dataDir: dir.path,
      sandboxImage: registry.images.pause || `${registry.address}/logbook/pause:3.9`,
      registryMirrors: { 'docker.io': [registry.registry.url] },
      insecureRegistries: [registry.address, ...(privateRegistry ? [privateRegistry.address] : [])],
      log: o.log,
    });
    cleanups.push(async () => {
      // By the data directory, not the handle: a test may have restarted containerd meanwhile.
      await containerd.stop({ removeAll: true });
      await ManagedContainerd.removeAllIn(containerd.dataDir);
      assertNothingLeft(containerd);
    });
    containerd.writeCniConfig({ podCIDR, clusterCIDR });
    return {
      containerd,
      socketPath: containerd.socketPath,
      dataDir: containerd.dataDir,
      registry,
      privateRegistry,
      podCIDR,
      clusterCIDR,
      stop: runCleanups,
    };
  } catch (err) {
    await runCleanups().catch(() => undefined);
    throw err;
  }
}

/** Throws when a stopped ManagedContainerd left a shim, a mount, a netns or its bridge behind. */
export function assertNothingLeft(c: ManagedContainerd): void {
  const left: string[] = [];
  const shims = shimsOf(c.socketPath);
  if (shims.length > 0) left.push(`shims ${shims.map((s) => s.pid).join(', ')}`);
  const mounts = mountsUnder([c.dataDir]);
  if (mounts.length > 0) left.push(`mounts ${mounts.join(', ')}`);
  const netns = netnsFilesUnder(c.stateDir);
  if (netns.length > 0) left.push(`netns ${netns.join(', ')}`);
  if (linkExists(c.bridgeName)) left.push(`bridge ${c.bridgeName}`);
  if (left.length > 0) throw new Error(`containerd in ${c.dataDir} left ${left.join('; ')}`);
}

/**
 * Jest hooks: a container kit for the enclosing describe (beforeAll/afterAll). Read it inside
 * tests: `const kit = useContainerd(); it('…', () => kit().socketPath)`.
 */
export function useContainerd(o: ContainerKitOptions = {}): () => ContainerKit {
  let kit: ContainerKit | undefined;
  const { beforeAll, afterAll } = jestGlobals();
  beforeAll(async () => {
    kit = await startContainerKit(o);
  }, 300_000);
  afterAll(async () => {
    await kit?.stop();
  }, 120_000);
  return () => {
    if (!kit) throw new Error('the container kit did not start (see beforeAll)');
    return kit;
  };
}

/** Jest hooks: a local registry with Logbook's images; `{ htpasswd: true }` for a private one. */
export function useRegistry(o: { htpasswd?: boolean } = {}): () => RegistryEnv {
  let reg: (RegistryEnv & { stop(): Promise<void> }) | undefined;
  const { beforeAll, afterAll } = jestGlobals();
  beforeAll(async () => {
    reg = await startTestRegistry(o);
  }, 300_000);
  afterAll(async () => {
    await reg?.stop();
  });
  return () => {
    if (!reg) throw new Error('the registry did not start (see beforeAll)');
    return reg;
  };
}

/** Whether a Logbook blackhole route covers `cidr` (for specs of the node agent's safety routes). */
export { hasOwnBlackholeRoute };
