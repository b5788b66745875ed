import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { startDistributedCluster } from '@logbook/cluster';
import { removeOwnPidFile, runningUpPid, writePidFile } from '@logbook/cluster';
import { parseEventTtl } from '@logbook/controllers';

/** The `logbook up` options distributed mode reads (the rest are embedded-only). */
export interface DistributedUpOptions {
  readonly dataDir: string;
  readonly port: string;
  readonly host: string;
  readonly snapshotEvery: string;
  readonly bus: string;
  readonly kafkaPort: string;
  readonly topicPrefix: string;
  readonly schedulers: string;
  readonly controllerManagers: string;
  readonly nodeAgents: string;
  readonly controllers: boolean;
  /** false with `--no-node-agent`: no node agents and no proxy. */
  readonly nodeAgent?: boolean;
  readonly nodeName?: string;
  readonly hollowNodes: string;
  readonly hollowHeartbeat: string;
  readonly nodeGracePeriod: string;
  readonly podEvictionTimeout: string;
  readonly eventTtl: string;
  readonly schedulerConfig?: string;
  readonly runtime: string;
  readonly clusterCidr: string;
  readonly registry?: boolean;
  readonly registryAddress: string;
  readonly registryMirror?: string;
  readonly insecureRegistry: string[];
  readonly allowPrivileged?: boolean;
}

function count(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} must be a whole number ≥ 0, not "${value}"`);
  return n;
}

/**
 * `logbook up --distributed`: every component its own process on Kafka (the jar broker unless
 * --bus kafka://… names one), supervised from this process until Ctrl-C or SIGTERM.
 */
export async function upDistributed(opts: DistributedUpOptions): Promise<void> {
  if (opts.bus !== 'embedded:' && !opts.bus.startsWith('kafka://')) {
    throw new Error(`--distributed needs Kafka: --bus kafka://host:port, or no --bus to start the local broker (not "${opts.bus}")`);
  }
  const dataDir = resolve(opts.dataDir);
  const running = runningUpPid(dataDir);
  if (running !== undefined) throw new Error(`logbook up is already running in ${dataDir} (pid ${running}): use it, or stop it with "logbook down --data-dir ${opts.dataDir}"`);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // The same pid file as the embedded mode: `logbook down` stops this supervisor, which stops its children.
  writePidFile(dataDir);
  const controllers = opts.controllers !== false;
  // Signals are handled from the start: the children have process groups of their own, so an
  // interrupted start-up must stop the ones already running.
  const startup = new AbortController();
  const started: { stop?: () => Promise<void> } = {};
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: stopping the cluster\n`);
    if (!started.stop) return startup.abort();
    started.stop().then(
      () => {
        removeOwnPidFile(dataDir);
        process.exit(0);
      },
      (err: Error) => {
        process.stderr.write(`unclean stop: ${err.message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  const cluster = await startDistributedCluster({
    abort: startup.signal,
    dataDir,
    host: opts.host,
    port: count(opts.port, '--port'),
    bus: opts.bus === 'embedded:' ? undefined : opts.bus,
    kafkaPort: count(opts.kafkaPort, '--kafka-port'),
    topicPrefix: opts.topicPrefix,
    schedulers: controllers ? count(opts.schedulers, '--schedulers') : 0,
    controllerManagers: controllers ? count(opts.controllerManagers, '--controller-managers') : 0,
    nodeAgents: opts.nodeAgent === false ? 0 : count(opts.nodeAgents, '--node-agents'),
    nodeName: opts.nodeName,
    hollowNodes: count(opts.hollowNodes, '--hollow-nodes'),
    hollowHeartbeatMs: count(opts.hollowHeartbeat, '--hollow-heartbeat'),
    nodeGracePeriodMs: count(opts.nodeGracePeriod, '--node-grace-period'),
    podEvictionSeconds: count(opts.podEvictionTimeout, '--pod-eviction-timeout'),
    eventTtlMs: parseEventTtl(opts.eventTtl),
    schedulerConfig: opts.schedulerConfig,
    snapshotEvery: count(opts.snapshotEvery, '--snapshot-every'),
    nodeRuntime: {
      runtime: opts.runtime,
      clusterCIDR: opts.clusterCidr,
      ...(opts.registryMirror ? { registryMirror: opts.registryMirror } : {}),
      insecureRegistries: opts.insecureRegistry,
      allowPrivileged: opts.allowPrivileged === true,
    },
    ...(opts.registry ? { imageRegistry: { address: opts.registryAddress } } : {}),
  }).catch((err: Error) => {
    removeOwnPidFile(dataDir);
    throw err;
  });
  process.stdout.write(`Logbook is up at ${cluster.url} (distributed: ${cluster.processes.length} processes on ${cluster.bus}; pids in ${cluster.pidsFile})\n`);
  process.stdout.write(`Use it with: export KUBECONFIG=${cluster.kubeconfig}\n`);

  started.stop = () => cluster.stop();
}
