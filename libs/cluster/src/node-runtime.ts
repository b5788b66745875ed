import { hostname } from 'node:os';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ClusterClient } from '@logbook/components';
import type { ApiServerAccess, PodVolumes } from '@logbook/node-agent';
import { ApiServerRelay, LocalPathReclaimer, ServiceAccountTokens, VolumeManager, directApiServerAccess } from '@logbook/node-agent';
import {
  type ContainerRuntime,
  CriRuntime,
  ManagedContainerd,
  ProcessRuntime,
  containerdAvailable,
  ensureImageArchive,
  importOciArchive,
  installBlackholeRoutes,
  removeBlackholeRoutes,
  unmountAllUnder,
} from '@logbook/runtime';

export type RuntimeChoice = 'auto' | 'containerd' | 'process';

/** The cluster's pod CIDR unless `--cluster-cidr` says otherwise (the node IPAM controller's default too). */
export const DEFAULT_CLUSTER_CIDR = '10.244.0.0/16';

/** The node agent's name when none is given: LOGBOOK_NODE_NAME, else the host name (as the agent itself defaults). */
export function defaultNodeName(): string {
  return process.env.LOGBOOK_NODE_NAME ?? hostname().toLowerCase();
}

/** The sandbox image every containerd node imports at start (built here from busybox-static; no registry needed). */
export const SANDBOX_IMAGE = 'logbook.local/pause:3.9';

export interface NodeRuntimeOptions {
  readonly choice: RuntimeChoice;
  /** The node agent's state: `<data-dir>/node` (embedded) or `<data-dir>/nodes/<name>`. */
  readonly stateDir: string;
  readonly nodeName: string;
  readonly client: ClusterClient;
  readonly log: Logger;
  /** Pod IPs of the process runtime (loopback). */
  readonly processAddressRange?: string;
  /** The cluster's pod CIDR (blackholed before the first sandbox) and the Service CIDR. */
  readonly clusterCIDR: string;
  readonly serviceCIDR?: string;
  /** host:port of a registry that serves docker.io's short names (the local registry), over http. */
  readonly registryMirror?: string;
  /** More registries (host:port) spoken to over plain http. */
  readonly insecureRegistries?: readonly string[];
  /** The API server's URL, for pods' in-cluster clients (KUBERNETES_SERVICE_HOST and the relay to it). */
  readonly apiServerUrl?: string;
}

/** What a node agent runs its pods with, and what it needs besides (network, volumes). */
export interface NodeRuntime {
  readonly kind: 'containerd' | 'process';
  /** Why auto chose the process runtime (what to install to get containers). */
  readonly reason?: string;
  readonly runtime: ContainerRuntime;
  readonly network?: { configure(podCIDR: string): Promise<void> };
  readonly volumes?: PodVolumes;
  readonly volumesDir?: string;
  /** Where the pods reach the API server: itself for host processes, a relay on the pod bridge for containers. */
  readonly apiServer?: ApiServerAccess;
  /** Closes the agent's side; containers keep running under their containerd (the next start adopts them). */
  close(): Promise<void>;
  /**
   * The node agent failed to start: closes like `close`, and a containerd this start brought up
   * that runs no sandbox is removed with its routes, so a failed `up` leaves nothing running.
   */
  abandon(): Promise<void>;
}

/**
 * Picks and starts the node's runtime. containerd when asked for, or with `auto` when its
 * binaries are here and this process may make namespaces; otherwise the process runtime. A
 * containerd node gets its own containerd under the state dir, the pause image imported into it,
 * blackhole routes for the cluster's CIDRs before any sandbox, and a volume manager.
 */
export async function startNodeRuntime(o: NodeRuntimeOptions): Promise<NodeRuntime> {
  const available = o.choice === 'process' ? undefined : containerdAvailable();
  if (o.choice === 'containerd' && !available!.ok) throw new Error(`--runtime containerd cannot run here: ${available!.reason}`);
  if (o.choice === 'process' || !available!.ok) {
    const runtime = new ProcessRuntime({ stateDir: o.stateDir, ...(o.processAddressRange ? { addressRange: o.processAddressRange } : {}) });
    const close = () => runtime.close();
    const apiServer = o.apiServerUrl ? { apiServer: directApiServerAccess(o.apiServerUrl) } : {};
    return { kind: 'process', ...(available?.reason ? { reason: available.reason } : {}), runtime, ...apiServer, close, abandon: close };
  }
  const cidrs = [o.clusterCIDR, ...(o.serviceCIDR && !o.serviceCIDR.startsWith('127.') ? [o.serviceCIDR] : [])];
  // Before the first sandbox: a packet for a pod or service address that no bridge claims is
  // dropped here instead of leaving through the default route.
  installBlackholeRoutes(cidrs);
  mkdirSync(o.stateDir, { recursive: true });
  writeFileSync(join(o.stateDir, ROUTES_FILE), JSON.stringify(cidrs) + '\n');
  const mirror = o.registryMirror;
  const containerd = await ManagedContainerd.start({
    dataDir: join(o.stateDir, 'containerd'),
    sandboxImage: SANDBOX_IMAGE,
    ...(mirror ? { registryMirrors: { 'docker.io': [`http://${mirror}`] } } : {}),
    insecureRegistries: [...(mirror ? [mirror] : []), ...(o.insecureRegistries ?? [])],
    log: (line) => o.log.info(line),
  });
  if (!containerd.adopted) await importOciArchive(containerd.socketPath, await ensureImageArchive('pause', SANDBOX_IMAGE, (line: string) => o.log.info(line)));
  const runtime = await CriRuntime.connect({ socketPath: containerd.socketPath, logDir: join(o.stateDir, 'logs'), nodeName: o.nodeName });
  const volumesDir = join(o.stateDir, 'volumes');
  // Local-path volumes whose PersistentVolume is gone (reclaim policy Delete) lose their data here.
  const reclaimer = new LocalPathReclaimer({ client: o.client, volumesDir, log: o.log });
  const sweep = () => void reclaimer.sweep().catch((err: Error) => o.log.warn({ err: err.message }, 'could not sweep released local-path volumes'));
  const reclaiming = setInterval(sweep, RECLAIM_INTERVAL_MS);
  reclaiming.unref();
  sweep();
  const volumes = new VolumeManager({ podsDir: join(o.stateDir, 'pods'), client: o.client, nodeName: o.nodeName, log: o.log, serviceAccountTokens: new ServiceAccountTokens(o.client) });
  // Pods in their network namespaces cannot reach the host's loopback: they dial this relay on the bridge.
  const relay = o.apiServerUrl ? new ApiServerRelay(o.apiServerUrl) : undefined;
  return {
    kind: 'containerd',
    runtime,
    volumes,
    volumesDir,
    ...(relay ? { apiServer: relay } : {}),
    network: {
      configure: async (podCIDR) => {
        containerd.writeCniConfig({ podCIDR, clusterCIDR: o.clusterCIDR });
        relay?.configure(podCIDR);
      },
    },
    close: async () => {
      clearInterval(reclaiming);
      await relay?.close();
      await runtime.close();
    },
    abandon: async () => {
      clearInterval(reclaiming);
      await relay?.close();
      const idle = !containerd.adopted && (await runtime.listSandboxes().catch(() => [])).length === 0;
      await runtime.close();
      if (!idle) return;
      await containerd.stop({ removeAll: true });
      removeBlackholeRoutes(cidrs);
      rmSync(join(o.stateDir, ROUTES_FILE), { force: true });
    },
  };
}

/**
 * `logbook down` of a containerd node: every sandbox and container through CRI, containerd
 * itself, and whatever they left on the host (mounts, network namespaces, the bridge, routes).
 */
export async function removeContainerdNode(stateDir: string, say: (line: string) => void): Promise<boolean> {
  const dir = join(stateDir, 'containerd');
  if (!existsSync(dir)) return false;
  await ManagedContainerd.removeAllIn(dir, { log: say });
  const routes = join(stateDir, ROUTES_FILE);
  if (existsSync(routes)) {
    const cidrs: string[] = JSON.parse(readFileSync(routes, 'utf8'));
    removeBlackholeRoutes(cidrs);
    rmSync(routes);
    say(`removed the blackhole routes for ${cidrs.join(', ')}`);
  }
  // Memory-backed emptyDirs are tmpfs mounts under the pods' dirs.
  unmountAllUnder([join(stateDir, 'pods')]);
  rmSync(join(stateDir, 'pods'), { recursive: true, force: true });
  return true;
}

/** How often a node looks for local-path volume directories whose PersistentVolume is gone. */
const RECLAIM_INTERVAL_MS = 60_000;

/** The blackhole routes a containerd node installed, for `logbook down` to remove. */
const ROUTES_FILE = 'blackhole-routes.json';
