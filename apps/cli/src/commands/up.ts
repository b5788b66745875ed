import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { type RuntimeChoice, startEmbeddedCluster, createLogger, stopOnSignals } from '@logbook/cluster';
import type { ContainerRuntime } from '@logbook/runtime';
import { removeOwnPidFile, runningUpPid, writePidFile } from '@logbook/cluster';
import { parseEventTtl } from '@logbook/controllers';
import { auditOptionsFromFlags } from '@logbook/apiserver';
import { DEFAULT_INGRESS_ADDRESS, parseListenAddress } from '@logbook/proxy';
import { upDistributed, type DistributedUpOptions } from './up-distributed';

export const DEFAULT_DATA_DIR = './.logbook';

interface UpOptions {
  dataDir: string;
  port: string;
  host: string;
  snapshotEvery: string;
  bus: string;
  hollowNodes: string;
  hollowNodeCpu: string;
  hollowNodeMemory: string;
  hollowHeartbeat: string;
  nodeGracePeriod: string;
  podEvictionTimeout: string;
  hpaSyncPeriod: string;
  eventTtl: string;
  schedulerConfig?: string;
  controllers: boolean;
  topicPrefix: string;
  /** undefined (the default) and true run a node agent; false (`--no-node-agent`) does not. */
  nodeAgent?: boolean;
  nodeName?: string;
  nodeAgentPort: string;
  /** false with `--no-ingress`. */
  ingress?: boolean;
  ingressAddress: string;
  runtime: string;
  registry?: boolean;
  registryAddress: string;
  registryMirror?: string;
  insecureRegistry: string[];
  allowPrivileged?: boolean;
  clusterCidr: string;
  nodeCidrMaskSize: string;
  auditPolicyFile?: string;
  encryptionProviderConfig?: string;
  auditLogPath?: string;
  auditLogMaxsize: string;
  auditLogMaxbackup: string;
}

const RUNTIMES = ['auto', 'containerd', 'process'] as const;

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('start the embedded all-in-one cluster (log, API server, scheduler, controllers, a node agent for this machine and the service proxy) in this process')
    .option('--data-dir <dir>', 'where the log, snapshots, certificates, tokens and kubeconfig live', DEFAULT_DATA_DIR)
    .option('--port <port>', 'API server port on 127.0.0.1 (0 picks a free one)', '6443')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--snapshot-every <n>', 'snapshot the projection every N events', '10000')
    .option('--bus <url>', 'where the log is relayed for the components: embedded: (in the data dir) or kafka://127.0.0.1:9092', 'embedded:')
    .option('--hollow-nodes <n>', 'register N hollow nodes that play their pods without processes (demos, tests, benchmarks)', '0')
    .option('--hollow-node-cpu <cpu>', 'CPU of each hollow node', '4')
    .option('--hollow-node-memory <mem>', 'memory of each hollow node', '16Gi')
    .option('--hollow-heartbeat <ms>', 'hollow node heartbeat interval in ms', '10000')
    .option('--node-grace-period <ms>', 'how long a node may be silent before it is NotReady', '40000')
    .option('--pod-eviction-timeout <s>', 'seconds before pods of an unreachable node are evicted (without their own toleration)', '300')
    .option('--hpa-sync-period <ms>', 'how often each HorizontalPodAutoscaler is evaluated', process.env.LOGBOOK_HPA_SYNC_PERIOD_MS ?? '15000')
    .option('--event-ttl <duration>', 'how long Kubernetes Events stay after their last occurrence (the log keeps them)', '1h')
    .option('--scheduler-config <file>', 'scheduler plugins and weights (YAML or JSON)')
    .option('--topic-prefix <prefix>', 'prepended to every topic and consumer group name (several clusters on one Kafka)', '')
    .option('--node-agent', 'run a node agent for this machine and the service proxy (the default): pods run as real processes (state in <data-dir>/node)')
    .option('--no-node-agent', 'run neither a node agent nor the service proxy (only hollow nodes, if any, run pods)')
    .option('--node-name <name>', 'the node agent\'s node name (default: the host name)')
    .option('--node-agent-port <port>', 'the node agent\'s read-only port (kubectl logs goes through it; 0 picks a free one)', '10255')
    .option('--ingress-address <host:port>', 'where the ingress controller (in the service proxy) listens for HTTP; port 0 picks a free one', process.env.LOGBOOK_INGRESS_ADDRESS || DEFAULT_INGRESS_ADDRESS)
    .option('--no-ingress', 'run no ingress controller (Ingresses are stored but not served)')
    .option('--runtime <runtime>', 'what the node agent runs pods with: containerd (real containers through CRI, its own containerd under <data-dir>/node), process (host processes), or auto: containerd where it can run', process.env.LOGBOOK_RUNTIME ?? 'auto')
    .option('--registry', 'run a local image registry (Debian\'s docker-registry on --registry-address) with the project\'s images pushed, and pull docker.io short names from it')
    .option('--registry-address <host:port>', 'where --registry listens (loopback; port 0 picks a free one)', '127.0.0.1:5000')
    .option('--registry-mirror <host:port>', 'an existing http registry that serves docker.io short names (busybox → <host:port>/library/busybox)')
    .option('--insecure-registry <host:port>', 'a registry spoken to over plain http (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--allow-privileged', 'let containers run privileged on this node')
    .option('--cluster-cidr <cidr>', 'pod addresses of the cluster: the node IPAM controller gives each node a /24 of it, and it is blackholed on this machine', process.env.LOGBOOK_CLUSTER_CIDR ?? '10.244.0.0/16')
    .option('--node-cidr-mask-size <bits>', 'prefix length of the pod CIDR each node gets from --cluster-cidr (24: 256 nodes in a /16; hollow nodes get none)', process.env.LOGBOOK_NODE_CIDR_MASK_SIZE ?? '24')
    .option('--encryption-provider-config <file>', 'apiserver.config.k8s.io/v1 EncryptionConfiguration for Secrets at rest, or "identity" for none (default: <data-dir>/encryption-config.yaml, made with a random key; docs/security.md)')
    .option('--audit-policy-file <file>', 'audit.k8s.io/v1 Policy: which requests are recorded and how much (docs/security.md "Request audit")')
    .option('--audit-log-path <file>', 'where the audit events go, one JSON line each (- for standard output)')
    .option('--audit-log-maxsize <MB>', 'rotate the audit file once it reaches this size (0: never)', '0')
    .option('--audit-log-maxbackup <n>', 'rotated audit files to keep (0: all)', '0')
    .option('--no-controllers', 'run only the log, the API server and the relay (no scheduler, no controller manager)')
    .option('--distributed', 'every component its own OS process on Kafka, supervised from here (docs/operations.md "Distributed mode")')
    .option('--kafka-port <port>', 'with --distributed and no --bus: port of the local jar broker it starts or reuses', '9092')
    .option('--schedulers <n>', 'with --distributed: scheduler processes', '2')
    .option('--controller-managers <n>', 'with --distributed: controller manager processes', '2')
    .option('--node-agents <n>', 'with --distributed: node agent processes (named <node-name>-1, -2, …)', '2')
    .action(async (opts: UpOptions & { distributed?: boolean }) => {
      if (opts.distributed) {
        // The API server process reads its audit flags from the environment it inherits.
        const audit = auditOptionsFromFlags(opts);
        if (audit) Object.assign(process.env, { LOGBOOK_AUDIT_POLICY_FILE: audit.policyFile, LOGBOOK_AUDIT_LOG_PATH: audit.logPath, LOGBOOK_AUDIT_LOG_MAXSIZE: String(audit.maxSizeMB), LOGBOOK_AUDIT_LOG_MAXBACKUP: String(audit.maxBackups) });
        if (opts.encryptionProviderConfig) process.env.LOGBOOK_ENCRYPTION_PROVIDER_CONFIG = opts.encryptionProviderConfig === 'identity' ? 'identity' : resolve(opts.encryptionProviderConfig);
        return upDistributed(opts as unknown as DistributedUpOptions);
      }
      const dataDir = resolve(opts.dataDir);
      const down = `logbook down${opts.dataDir === DEFAULT_DATA_DIR ? '' : ` --data-dir ${opts.dataDir}`}`;
      const running = runningUpPid(dataDir);
      if (running !== undefined) throw new Error(`logbook up is already running in ${dataDir} (pid ${running}): use it, or stop it with "${down}"`);
      const eventTtlMs = parseEventTtl(opts.eventTtl);
      const audit = auditOptionsFromFlags(opts);
      const nodeAgentPort = Number(opts.nodeAgentPort);
      if (!Number.isInteger(nodeAgentPort) || nodeAgentPort < 0 || nodeAgentPort > 65535) throw new Error(`--node-agent-port must be a port number (0 picks a free one), not "${opts.nodeAgentPort}"`);
      if (opts.ingress !== false) parseListenAddress(opts.ingressAddress);
      if (!(RUNTIMES as readonly string[]).includes(opts.runtime)) throw new Error(`--runtime must be one of ${RUNTIMES.join(', ')}, not "${opts.runtime}"`);
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      writePidFile(dataDir);

      const log = createLogger('logbook');
      const cluster = await startEmbeddedCluster({
        dataDir,
        host: opts.host,
        port: Number(opts.port),
        snapshotEvery: Number(opts.snapshotEvery),
        bus: opts.bus === 'embedded:' ? undefined : opts.bus,
        ...(opts.encryptionProviderConfig ? { encryptionProviderConfig: opts.encryptionProviderConfig } : {}),
        components: opts.controllers,
        componentOptions: {
          hollowNodes: Number(opts.hollowNodes),
          hollowNodeCpu: opts.hollowNodeCpu,
          hollowNodeMemory: opts.hollowNodeMemory,
          hollowHeartbeatMs: Number(opts.hollowHeartbeat),
          nodeGracePeriodMs: Number(opts.nodeGracePeriod),
          defaultEvictionSeconds: Number(opts.podEvictionTimeout),
          hpaSyncPeriodMs: Number(opts.hpaSyncPeriod),
          eventTtlMs,
          schedulerConfig: opts.schedulerConfig,
          topicPrefix: opts.topicPrefix,
          clusterCidr: opts.clusterCidr,
          nodeCidrMaskSize: Number(opts.nodeCidrMaskSize),
        },
        nodeAgent:
          opts.nodeAgent !== false
            ? {
                nodeName: opts.nodeName,
                port: nodeAgentPort,
                runtime: opts.runtime as RuntimeChoice,
                ...(opts.clusterCidr ? { clusterCIDR: opts.clusterCidr } : {}),
                ...(opts.registryMirror ? { registryMirror: opts.registryMirror } : {}),
                insecureRegistries: opts.insecureRegistry,
                allowPrivileged: opts.allowPrivileged === true,
              }
            : undefined,
        ...(opts.registry ? { imageRegistry: { address: opts.registryAddress } } : {}),
        ingressAddress: opts.ingress !== false ? opts.ingressAddress : undefined,
        ...(audit ? { audit } : {}),
        logger: log,
      }).catch((err: Error) => {
        removeOwnPidFile(dataDir);
        throw err;
      });
      process.stdout.write(`Logbook is up at ${cluster.url}\nUse it with: export KUBECONFIG=${cluster.kubeconfig}\n`);
      if (cluster.ingressAddress) process.stdout.write(`Ingress (HTTP) at http://${cluster.ingressAddress}\n`);
      if (cluster.imageRegistry) process.stdout.write(`Image registry at ${cluster.imageRegistry} (docker.io short names pull from it; push with: logbook image push --registry ${cluster.imageRegistry})\n`);
      if (cluster.runtimeKind) {
        const why = cluster.runtimeKind.reason ? ` (containerd cannot run here: ${cluster.runtimeKind.reason})` : '';
        process.stdout.write(`Pods run as ${cluster.runtimeKind.kind === 'containerd' ? 'containers (containerd, CRI)' : `host processes (process runtime)${why}`}\n`);
      }
      stopOnSignals(log, async () => {
        const left = await runningContainers(cluster.runtime);
        await cluster.close();
        removeOwnPidFile(dataDir);
        // Pod processes outlive `up` on purpose (the next start adopts them); say so, and how to end them.
        if (left > 0) process.stdout.write(`${left} pod process${left === 1 ? ' keeps' : 'es keep'} running (the next logbook up adopts them); "${down}" stops them\n`);
      });
    });
}

async function runningContainers(runtime: ContainerRuntime | undefined): Promise<number> {
  if (!runtime) return 0;
  return (await runtime.listContainers()).filter((c) => c.status.state === 'running').length;
}
