import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { ensurePki, ensureTokenFile } from '@logbook/apiserver';
import { ensureLocalBroker, type LocalBroker } from './distributed-broker';
import { appEntry, checkoutRoot } from './distributed-paths';
import { distributedPlan, nodeAgentName, portsNeeded, type ComponentSpec, type NodeRuntimeFlags } from './distributed-plan';
import { startImageRegistry } from './image-registry';
import { createLogger } from './logger';
import { freePorts } from './distributed-ports';
import { SupervisedProcess, type RestartPolicy } from './distributed-process';
import { PidsFile, distributedPidsPath, stopLeftovers } from './distributed-pids';
import { CONTROL_PLANE_IDENTITIES, HOLLOW_NODES_IDENTITY, ensureComponentKubeconfig, nodeIdentity, type ComponentIdentity } from './distributed-tokens';

export interface DistributedClusterOptions {
  readonly dataDir: string;
  readonly host?: string;
  /** The API server's port; 0 picks a free one (kept across its restarts). Default 6443. */
  readonly port?: number;
  /** A running Kafka (`kafka://host:port[,…]`); when absent the jar broker is started (or reused). */
  readonly bus?: string;
  /** Port of the jar broker when `bus` is absent. Default 9092. */
  readonly kafkaPort?: number;
  readonly topicPrefix?: string;
  readonly schedulers?: number;
  readonly controllerManagers?: number;
  readonly nodeAgents?: number;
  /** Run the service proxy (default: when there are node agents). */
  readonly proxy?: boolean;
  /** Real node agents are named `<nodeName>-1`, `-2`, … Default: the host name. */
  readonly nodeName?: string;
  /** Hollow nodes played by one `node-agent --hollow` process. */
  readonly hollowNodes?: number;
  readonly hollowHeartbeatMs?: number;
  readonly nodeGracePeriodMs?: number;
  readonly podEvictionSeconds?: number;
  readonly eventTtlMs?: number;
  readonly schedulerConfig?: string;
  readonly snapshotEvery?: number;
  readonly logLevel?: string;
  /** The node agents' runtime (containerd or process) and its network and registry settings. */
  readonly nodeRuntime?: NodeRuntimeFlags;
  /** Run a local image registry on this address; the node agents mirror docker.io to it. */
  readonly imageRegistry?: { readonly address: string };
  /** Where the prefixed lines go; default stderr. */
  readonly out?: (line: string) => void;
  readonly readyTimeoutMs?: number;
  /** How long a process may take to exit after SIGTERM before it gets SIGKILL. Default 10 s. */
  readonly stopTimeoutMs?: number;
  readonly restart?: RestartPolicy;
  /** Aborting it during start-up stops what already runs and rejects. */
  readonly abort?: AbortSignal;
}

export interface DistributedCluster {
  readonly url: string;
  readonly kubeconfig: string;
  readonly adminToken: string;
  readonly bus: string;
  /** `<data-dir>/distributed/pids.json`: every process's current pid and restart count. */
  readonly pidsFile: string;
  readonly processes: readonly SupervisedProcess[];
  stop(): Promise<void>;
}

/**
 * `logbook up --distributed`: every component its own OS process on Kafka, supervised — logs
 * prefixed with the process name, readiness reported, a dead process reported and restarted with
 * back-off, and all of them (and a broker it started) stopped together.
 */
export async function startDistributedCluster(options: DistributedClusterOptions): Promise<DistributedCluster> {
  const dataDir = resolve(options.dataDir);
  const out = options.out ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const home = join(dataDir, 'distributed');
  mkdirSync(join(home, 'logs'), { recursive: true, mode: 0o700 });
  const pids = new PidsFile(distributedPidsPath(dataDir));
  await stopLeftovers(pids, out);

  const nodeAgents = options.nodeAgents ?? 2;
  const shape = {
    schedulers: options.schedulers ?? 2,
    controllerManagers: options.controllerManagers ?? 2,
    nodeAgents,
    proxy: options.proxy ?? nodeAgents > 0,
    hollowNodes: options.hollowNodes ?? 0,
  };
  const [apiPort, ...ports] = await freePorts(portsNeeded(shape) + 1);

  const broker: LocalBroker = options.bus
    ? { url: options.bus, owned: false, stop: async () => undefined }
    : await ensureLocalBroker({ port: options.kafkaPort ?? 9092, dataDir: join(dataDir, 'kafka'), out });
  pids.setBroker(broker.owned ? 'local' : broker.url);
  if (options.abort?.aborted) {
    await broker.stop();
    throw new Error('start-up interrupted');
  }

  const nodeNamePrefix = options.nodeName ?? hostname();
  const images = options.imageRegistry ? await startImageRegistry(dataDir, options.imageRegistry.address, createLogger('registry')) : undefined;
  const nodeRuntime = images ? { ...options.nodeRuntime, registryMirror: images.address } : options.nodeRuntime;
  const specs = distributedPlan({
    ...(nodeRuntime ? { nodeRuntime } : {}),
    ...shape,
    dataDir,
    host: options.host ?? '127.0.0.1',
    port: options.port === 0 ? apiPort : (options.port ?? 6443),
    bus: broker.url,
    topicPrefix: options.topicPrefix ?? '',
    nodeNamePrefix,
    hollowHeartbeatMs: options.hollowHeartbeatMs,
    nodeGracePeriodMs: options.nodeGracePeriodMs,
    podEvictionSeconds: options.podEvictionSeconds,
    eventTtlMs: options.eventTtlMs,
    schedulerConfig: options.schedulerConfig,
    snapshotEvery: options.snapshotEvery,
    logLevel: options.logLevel ?? process.env.LOG_LEVEL ?? 'info',
    ports,
  });
  const adminToken = ensureTokenFile(join(dataDir, 'tokens.csv'));
  const host = options.host ?? '127.0.0.1';
  // The CA first (the API server process finds it and keeps it), then each component's certificate.
  await ensurePki(dataDir, [host, '127.0.0.1', 'localhost']);
  const kubeconfigs = await writeComponentKubeconfigs(dataDir, specs[0].readyUrl.replace(/\/readyz$/, ''), identitiesOf(shape.nodeAgents, nodeNamePrefix, shape.hollowNodes));

  const root = checkoutRoot();
  const nameWidth = Math.max(...specs.map((s) => s.name.length));
  const processes = specs.map(
    (spec) =>
      new SupervisedProcess({
        spec,
        entry: appEntry(spec.app, root),
        env: spec.identity ? { LOGBOOK_KUBECONFIG: kubeconfigs.get(spec.identity)! } : {},
        out,
        logFile: join(home, 'logs', `${spec.name}.log`),
        nameWidth,
        restart: options.restart,
        onPidChange: () => pids.update(processes),
      }),
  );
  const stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
  const stop = async () => {
    out('stopping every component (SIGTERM, then SIGKILL after a deadline)');
    // Clients first, so their last writes still reach the API server; the API server last.
    const [api, relay, ...rest] = processes;
    await Promise.all(rest.map((p) => p.stop(stopTimeoutMs)));
    await relay.stop(stopTimeoutMs);
    await api.stop(stopTimeoutMs);
    pids.update(processes);
    await Promise.all(processes.map((p) => p.closeLog()));
    if (broker.owned) await broker.stop();
    await images?.stop();
    out('stopped');
  };

  const interrupt = () => void Promise.all(processes.map((p) => p.stop(stopTimeoutMs)));
  options.abort?.addEventListener('abort', interrupt);
  try {
    await startInOrder(processes, specs, options.readyTimeoutMs ?? 180_000, out);
  } catch (err) {
    await stop();
    throw options.abort?.aborted ? new Error('start-up interrupted') : err;
  } finally {
    options.abort?.removeEventListener('abort', interrupt);
  }
  const apiSpec = specs[0];
  return {
    url: apiSpec.readyUrl.replace(/\/readyz$/, ''),
    kubeconfig: join(dataDir, 'kubeconfig'),
    adminToken,
    bus: broker.url,
    pidsFile: pids.path,
    processes,
    stop,
  };
}

/** The API server, then the relay, then every other component at once; a line for each when ready. */
async function startInOrder(processes: SupervisedProcess[], specs: ComponentSpec[], timeoutMs: number, out: (line: string) => void): Promise<void> {
  const ready = async (p: SupervisedProcess, spec: ComponentSpec) => {
    await p.waitReady(timeoutMs);
    out(`✓ ${spec.name} ready (pid ${p.pid}, ${spec.readyUrl})`);
  };
  const [api, relay, ...rest] = processes;
  api.start();
  await ready(api, specs[0]);
  relay.start();
  await ready(relay, specs[1]);
  for (const p of rest) p.start();
  await Promise.all(rest.map((p, i) => ready(p, specs[i + 2])));
}

function identitiesOf(nodeAgents: number, nodeNamePrefix: string, hollowNodes: number): ComponentIdentity[] {
  const nodes = Array.from({ length: nodeAgents }, (_, i) => nodeIdentity(nodeAgentName(nodeNamePrefix, i + 1)));
  return [...CONTROL_PLANE_IDENTITIES, ...nodes, ...(hollowNodes > 0 ? [HOLLOW_NODES_IDENTITY] : [])];
}

/** Every component identity's kubeconfig with its own client certificate (docs/security.md "Identities"). */
async function writeComponentKubeconfigs(dataDir: string, server: string, identities: ComponentIdentity[]): Promise<Map<string, string>> {
  const paths = new Map<string, string>();
  for (const identity of identities) paths.set(identity.user, await ensureComponentKubeconfig(dataDir, server, identity));
  return paths;
}
