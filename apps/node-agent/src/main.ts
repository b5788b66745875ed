import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import pino from 'pino';
import { DEFAULT_CLUSTER_CIDR, type RuntimeChoice, defaultNodeName, startNodeRuntime, stopOnSignals } from '@logbook/cluster';
import { createEventBus } from '@logbook/bus';
import { HttpClusterClient, loadEndpoint } from '@logbook/client';
import { HollowNodes } from '@logbook/hollow';
import { NodeAgent } from '@logbook/node-agent';
import { createMetricsRegistry, startHealthServer } from '@logbook/observability';

/**
 * The node agent (kubelet) as its own process:
 *   LOGBOOK_BUS / --bus        kafka://host:port or embedded:<dir>                       (required)
 *   LOGBOOK_API / --api        API server URL, e.g. https://127.0.0.1:6443               (required)
 *   LOGBOOK_TOKEN, LOGBOOK_CA_FILE, LOGBOOK_TOPIC_PREFIX
 *   --kubeconfig (LOGBOOK_KUBECONFIG) instead of --api and those two: server, CA and the node's client
 *     certificate from a kubeconfig (what `logbook join` writes)
 *   --node-name (LOGBOOK_NODE_NAME, default the host name), --port (10255), --state-dir
 *   --streaming-port (0: a free one) serves exec and port-forward to the API server, whose client
 *     certificate must be of the cluster CA in LOGBOOK_CA_FILE (no CA file: no streaming port)
 *   /healthz, /readyz and /metrics are served on the read-only port, next to /pods and /spec
 *   --runtime containerd|process|auto (LOGBOOK_RUNTIME, default auto: containerd where it can run); a
 *     containerd node runs its own containerd under --state-dir, pod IPs from the Node's podCIDR
 *   --cluster-cidr (LOGBOOK_CLUSTER_CIDR, default 10.244.0.0/16): blackholed before the first sandbox
 *   --registry-mirror host:port (docker.io short names), --insecure-registry host:port (repeatable),
 *     --allow-privileged
 *   --pod-cidr (LOGBOOK_POD_CIDR, default 127.1.0.0/16): the process runtime's pod IPs, one range per agent on a machine
 *   --cpu/--memory/--pods override what the machine reports
 *   --stats-interval (LOGBOOK_NODE_STATS_INTERVAL_MS, default 10000): usage readings for /stats/summary
 *   --hollow --nodes N         N hollow nodes instead (no processes), for scale tests
 */
async function main(): Promise<void> {
  const opts = new Command('node-agent')
    .option('--bus <url>', 'bus URL', process.env.LOGBOOK_BUS)
    .option('--api <url>', 'API server URL', process.env.LOGBOOK_API)
    .option('--kubeconfig <file>', 'server, CA and client certificate (or token) from a kubeconfig', process.env.LOGBOOK_KUBECONFIG)
    .option('--node-name <name>', 'node name', process.env.LOGBOOK_NODE_NAME)
    .option('--port <port>', 'read-only port', '10255')
    .option('--streaming-port <port>', 'authenticated exec/port-forward port (0 picks a free one)', '0')
    .option('--address <ip>', 'node InternalIP and read-only server address', '127.0.0.1')
    .option('--state-dir <dir>', 'process runtime state (sandboxes, logs)', process.env.LOGBOOK_NODE_STATE_DIR ?? join(process.cwd(), '.logbook-node'))
    .option('--pod-cidr <cidr>', 'pod IPs of the process runtime (loopback; give each agent on one machine its own)', process.env.LOGBOOK_POD_CIDR ?? '127.1.0.0/16')
    .option('--runtime <runtime>', 'containerd, process, or auto (containerd where it can run)', process.env.LOGBOOK_RUNTIME ?? 'auto')
    .option('--cluster-cidr <cidr>', "the cluster's pod CIDR (blackholed on this machine)", process.env.LOGBOOK_CLUSTER_CIDR ?? DEFAULT_CLUSTER_CIDR)
    .option('--registry-mirror <host:port>', 'an http registry serving docker.io short names')
    .option('--insecure-registry <host:port>', 'a registry spoken to over plain http (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--allow-privileged', 'let containers run privileged on this node')
    .option('--cpu <cpu>', 'CPU capacity (default: the machine)')
    .option('--memory <mem>', 'memory capacity (default: the machine)')
    .option('--pods <n>', 'pod capacity', '110')
    .option('--heartbeat <ms>', 'heartbeat interval', '10000')
    .option('--stats-interval <ms>', 'how often pod and node usage is read (kubectl top)', process.env.LOGBOOK_NODE_STATS_INTERVAL_MS ?? '10000')
    .option('--hollow', 'play hollow nodes instead of running processes')
    .option('--nodes <n>', 'hollow nodes to register (with --hollow)', '1')
    .parse()
    .opts();
  const log = pino({ name: 'node-agent', level: process.env.LOG_LEVEL ?? 'info' });
  const kubeconfig = opts.kubeconfig ? loadEndpoint(opts.kubeconfig) : undefined;
  if (kubeconfig) opts.api = kubeconfig.server;
  if (!opts.bus || !opts.api) {
    log.error('LOGBOOK_BUS and LOGBOOK_API (or --bus and --api) are required');
    process.exit(2);
  }
  const caFile = process.env.LOGBOOK_CA_FILE;
  const caCert = kubeconfig?.caCert ?? (caFile ? readFileSync(caFile, 'utf8') : undefined);
  const client = kubeconfig
    ? new HttpClusterClient({ server: kubeconfig.server, token: kubeconfig.token, ca: kubeconfig.caCert, cert: kubeconfig.clientCert, key: kubeconfig.clientKey })
    : new HttpClusterClient({ server: opts.api, token: process.env.LOGBOOK_TOKEN, ca: caCert });
  const bus = createEventBus(opts.bus);
  const topicPrefix = process.env.LOGBOOK_TOPIC_PREFIX ?? '';

  if (opts.hollow) {
    // No read-only server to share: the health paths get a server of their own on --port.
    let running = false;
    const health = await startHealthServer({ host: opts.address, port: Number(opts.port), registry: createMetricsRegistry('node-agent'), ready: () => running, notReadyReason: 'the hollow nodes are not registered yet' });
    const hollow = await HollowNodes.start({ bus, client, log, count: Number(opts.nodes), namePrefix: opts.nodeName ? `${opts.nodeName}-` : undefined, heartbeatIntervalMs: Number(opts.heartbeat), topicPrefix });
    running = true;
    stopOnSignals(log, async () => {
      await hollow.stop();
      await bus.close();
      client.close();
      await health.close();
    });
    log.info({ nodes: hollow.nodeNames.length }, 'hollow nodes running');
    return;
  }

  const nodeName: string = opts.nodeName ?? defaultNodeName();
  const node = await startNodeRuntime({
    choice: opts.runtime as RuntimeChoice,
    stateDir: opts.stateDir,
    nodeName,
    client,
    log,
    processAddressRange: opts.podCidr,
    clusterCIDR: opts.clusterCidr,
    apiServerUrl: opts.api,
    ...(opts.registryMirror ? { registryMirror: opts.registryMirror } : {}),
    insecureRegistries: opts.insecureRegistry,
  });
  log.info({ node: nodeName, runtime: node.kind, ...(node.reason ? { why: node.reason } : {}) }, node.kind === 'containerd' ? 'pods run as containers (containerd)' : 'pods run as host processes');
  const runtime = node.runtime;
  const agent = new NodeAgent({
    client,
    bus,
    runtime,
    nodeName,
    ...(node.volumes ? { volumes: node.volumes } : {}),
    ...(node.volumesDir ? { volumesDir: node.volumesDir } : {}),
    ...(node.network ? { network: node.network } : {}),
    ...(node.apiServer ? { apiServer: node.apiServer } : {}),
    allowPrivileged: opts.allowPrivileged === true,
    address: opts.address,
    port: Number(opts.port),
    ...(caCert ? { streaming: { clusterCaCert: caCert, port: Number(opts.streamingPort) } } : {}),
    cpu: opts.cpu,
    memory: opts.memory,
    pods: Number(opts.pods),
    heartbeatIntervalMs: Number(opts.heartbeat),
    statsIntervalMs: Number(opts.statsInterval),
    topicPrefix,
    log,
    registry: createMetricsRegistry('node-agent'),
  });
  stopOnSignals(log, async () => {
    // The pods' processes keep running: a restarted agent adopts them.
    await agent.stop();
    await node.close();
    await bus.close();
    client.close();
  });
  await agent.start().catch(async (err: Error) => {
    await node.abandon();
    throw err;
  });
  log.info({ node: agent.nodeName, port: agent.port, stateDir: opts.stateDir }, 'node agent running');
}

main().catch((error) => {
  console.error(JSON.stringify({ level: 50, msg: 'node agent failed to start', err: String(error?.stack ?? error) }));
  process.exit(1);
});
