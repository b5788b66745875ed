import { join } from 'node:path';

/** The apps a distributed cluster is made of (each `dist/apps/<app>/src/main.js`). */
export type ComponentApp = 'apiserver' | 'relay' | 'scheduler' | 'controller-manager' | 'node-agent' | 'proxy';

/** One process of the cluster: what to run and how to tell it is ready. */
export interface ComponentSpec {
  /** Unique and stable across restarts: prefixes its log lines, keys pids.json. */
  readonly name: string;
  readonly app: ComponentApp;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Polled until it answers 200 (`/readyz` of the process). */
  readonly readyUrl: string;
  /** Its plain-HTTP health server (`/healthz`, `/readyz`, `/metrics`; the node agent's read-only port). */
  readonly healthPort: number;
  /** Where its Prometheus `/metrics` is scraped (the API server's needs a bearer token). */
  readonly metricsUrl: string;
  /** The API identity this process authenticates as; undefined for the API server and the relay. */
  readonly identity?: string;
}

export interface DistributedPlanOptions {
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  readonly bus: string;
  readonly topicPrefix: string;
  readonly schedulers: number;
  readonly controllerManagers: number;
  readonly nodeAgents: number;
  /** Node names of the real agents are `<nodeNamePrefix>-1`, `-2`, … */
  readonly nodeNamePrefix: string;
  readonly proxy: boolean;
  readonly hollowNodes: number;
  readonly hollowHeartbeatMs?: number;
  readonly nodeGracePeriodMs?: number;
  readonly podEvictionSeconds?: number;
  readonly eventTtlMs?: number;
  readonly schedulerConfig?: string;
  readonly snapshotEvery?: number;
  readonly logLevel: string;
  /** What the node agents run pods with (`--runtime`); each containerd node has its own containerd. */
  readonly nodeRuntime?: NodeRuntimeFlags;
  /** Distinct free ports, one per component that needs one; taken in order. */
  readonly ports: readonly number[];
}

/** The node agents' runtime settings, passed on as their flags. */
export interface NodeRuntimeFlags {
  readonly runtime?: string;
  readonly clusterCIDR?: string;
  readonly registryMirror?: string;
  readonly insecureRegistries?: readonly string[];
  readonly allowPrivileged?: boolean;
}

function runtimeArgs(r: NodeRuntimeFlags | undefined): string[] {
  if (!r) return [];
  return [
    ...(r.runtime ? ['--runtime', r.runtime] : []),
    ...(r.clusterCIDR ? ['--cluster-cidr', r.clusterCIDR] : []),
    ...(r.registryMirror ? ['--registry-mirror', r.registryMirror] : []),
    ...(r.insecureRegistries ?? []).flatMap((x) => ['--insecure-registry', x]),
    ...(r.allowPrivileged ? ['--allow-privileged'] : []),
  ];
}

/** How many ports `distributedPlan` takes from `ports`. */
export function portsNeeded(o: Pick<DistributedPlanOptions, 'schedulers' | 'controllerManagers' | 'nodeAgents' | 'proxy' | 'hollowNodes'>): number {
  return 2 + o.schedulers + o.controllerManagers + o.nodeAgents + (o.proxy ? 1 : 0) + (o.hollowNodes > 0 ? 1 : 0);
}

/** Pod IPs of the n-th real node agent (1-based): a /16 each, so agents on one machine never share an address. */
export const podCidrFor = (n: number): string => `127.${1 + n}.0.0/16`;

export const nodeAgentName = (prefix: string, n: number): string => `${prefix}-${n}`;

/** The name the hollow nodes' process registers them under, and its identity. */
export const HOLLOW_NODE_PREFIX = 'hollow';

/**
 * The processes of a local distributed cluster, in start order: the API server, the relay, the
 * schedulers, the controller managers, the node agents (real, then one hollow-node process) and
 * the proxy. Pure: ports come in, environment and arguments go out.
 */
export function distributedPlan(o: DistributedPlanOptions): ComponentSpec[] {
  const ports = [...o.ports];
  const takePort = (): number => {
    const port = ports.shift();
    if (port === undefined) throw new Error('distributedPlan: not enough ports');
    return port;
  };
  const health = (port: number) => ({ readyUrl: `http://127.0.0.1:${port}/readyz`, healthPort: port, metricsUrl: `http://127.0.0.1:${port}/metrics` });
  const apiUrl = `https://${o.host === '0.0.0.0' ? '127.0.0.1' : o.host}:${o.port}`;
  const common = { LOG_LEVEL: o.logLevel, LOGBOOK_HEALTH_HOST: '127.0.0.1' };
  const client = { ...common, LOGBOOK_BUS: o.bus, LOGBOOK_API: apiUrl, LOGBOOK_CA_FILE: join(o.dataDir, 'pki', 'ca.crt'), LOGBOOK_TOPIC_PREFIX: o.topicPrefix };
  // The CSR signer of the controller managers signs with the cluster CA (kube's --cluster-signing-*-file).
  const signing = { LOGBOOK_CLUSTER_SIGNING_CERT_FILE: join(o.dataDir, 'pki', 'ca.crt'), LOGBOOK_CLUSTER_SIGNING_KEY_FILE: join(o.dataDir, 'pki', 'ca.key') };
  const specs: ComponentSpec[] = [];

  const apiHealth = takePort();
  specs.push({
    name: 'apiserver',
    app: 'apiserver',
    args: [],
    env: {
      ...common,
      LOGBOOK_DATA_DIR: o.dataDir,
      LOGBOOK_HOST: o.host,
      LOGBOOK_PORT: String(o.port),
      LOGBOOK_HEALTH_PORT: String(apiHealth),
      LOGBOOK_FINALIZE_NAMESPACES: String(o.controllerManagers === 0),
      ...(o.snapshotEvery ? { LOGBOOK_SNAPSHOT_EVERY: String(o.snapshotEvery) } : {}),
    },
    // The API's own /readyz: ready once the projection has caught up with the log.
    readyUrl: `${apiUrl}/readyz`,
    healthPort: apiHealth,
    metricsUrl: `${apiUrl}/metrics`,
  });

  const relayHealth = takePort();
  specs.push({
    name: 'relay',
    app: 'relay',
    args: [],
    env: { ...common, LOGBOOK_STORE: `sqlite:${o.dataDir}`, LOGBOOK_BUS: o.bus, LOGBOOK_TOPIC_PREFIX: o.topicPrefix, LOGBOOK_HEALTH_PORT: String(relayHealth) },
    ...health(relayHealth),
  });

  for (let i = 1; i <= o.schedulers; i++) {
    const port = takePort();
    const config: Record<string, string> = o.schedulerConfig ? { LOGBOOK_SCHEDULER_CONFIG: o.schedulerConfig } : {};
    specs.push({ name: `scheduler-${i}`, app: 'scheduler', args: [], env: { ...client, ...config, LOGBOOK_HEALTH_PORT: String(port) }, ...health(port), identity: 'system:kube-scheduler' });
  }

  for (let i = 1; i <= o.controllerManagers; i++) {
    const port = takePort();
    const timings: Record<string, string> = {
      ...(o.nodeGracePeriodMs !== undefined ? { LOGBOOK_NODE_GRACE_PERIOD_MS: String(o.nodeGracePeriodMs) } : {}),
      ...(o.podEvictionSeconds !== undefined ? { LOGBOOK_POD_EVICTION_SECONDS: String(o.podEvictionSeconds) } : {}),
      ...(o.eventTtlMs !== undefined ? { LOGBOOK_EVENT_TTL: `${o.eventTtlMs}ms` } : {}),
    };
    const cidr: Record<string, string> = o.nodeRuntime?.clusterCIDR ? { LOGBOOK_CLUSTER_CIDR: o.nodeRuntime.clusterCIDR } : {};
    specs.push({ name: `controller-manager-${i}`, app: 'controller-manager', args: [], env: { ...client, ...timings, ...cidr, ...signing, LOGBOOK_HEALTH_PORT: String(port) }, ...health(port), identity: 'system:kube-controller-manager' });
  }

  const heartbeat = o.hollowHeartbeatMs !== undefined ? ['--heartbeat', String(o.hollowHeartbeatMs)] : [];
  for (let i = 1; i <= o.nodeAgents; i++) {
    // The node agent serves its health endpoints on its read-only port (like the kubelet).
    const port = takePort();
    const nodeName = nodeAgentName(o.nodeNamePrefix, i);
    specs.push({
      name: `node-agent-${i}`,
      app: 'node-agent',
      args: ['--node-name', nodeName, '--port', String(port), '--state-dir', join(o.dataDir, 'nodes', nodeName), '--pod-cidr', podCidrFor(i), ...runtimeArgs(o.nodeRuntime)],
      env: { ...client, LOGBOOK_HEALTH_PORT: String(port) },
      ...health(port),
      identity: `system:node:${nodeName}`,
    });
  }
  if (o.hollowNodes > 0) {
    const port = takePort();
    specs.push({
      name: 'hollow-nodes',
      app: 'node-agent',
      args: ['--hollow', '--nodes', String(o.hollowNodes), '--node-name', HOLLOW_NODE_PREFIX, '--port', String(port), ...heartbeat],
      env: { ...client, LOGBOOK_HEALTH_PORT: String(port) },
      ...health(port),
      identity: 'system:logbook-hollow-nodes',
    });
  }

  if (o.proxy) {
    const port = takePort();
    // One proxy serves every ClusterIP of this machine, whichever local node runs the endpoints.
    const nodeName = o.nodeAgents > 0 ? nodeAgentName(o.nodeNamePrefix, 1) : o.nodeNamePrefix;
    specs.push({ name: 'proxy', app: 'proxy', args: [], env: { ...client, LOGBOOK_NODE_NAME: nodeName, LOGBOOK_HEALTH_PORT: String(port) }, ...health(port), identity: 'system:kube-proxy' });
  }
  return specs;
}
