import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { EventStore } from '@logbook/eventstore';
import { createEventBus, type EventBus } from '@logbook/bus';
import { Relay, relayCheckpointName } from '@logbook/relay';
import type { Projector } from '@logbook/projections';
import { HOLLOW_NODES_USER, InProcessClusterClient, PROXY_USER, auditedClusterClient, componentUser, type AuthorizationMode, type RunningApiServer } from '@logbook/apiserver';
import type { RequestAuditOptions } from '@logbook/apiserver';
import { readClusterCa } from '@logbook/apiserver';
import { startStandaloneApiServer } from './api-server';
import { type ComponentsOptions, type RunningComponents, startComponents, startHollowNodes } from './components';
import type { RunningHollowNodes } from '@logbook/hollow';
import { NodeAgent } from '@logbook/node-agent';
import { ServiceProxy, type RunningServiceProxy } from '@logbook/proxy';
import type { ContainerRuntime } from '@logbook/runtime';
import { type RunningImageRegistry, startImageRegistry } from './image-registry';
import { DEFAULT_CLUSTER_CIDR, type NodeRuntime, type RuntimeChoice, defaultNodeName, startNodeRuntime } from './node-runtime';
import type { Registry } from 'prom-client';
import { createMetricsRegistry } from '@logbook/observability';

export interface EmbeddedClusterOptions {
  readonly dataDir: string;
  readonly host?: string;
  readonly port?: number;
  readonly logger: Logger;
  readonly snapshotEvery?: number;
  readonly bookmarkIntervalMs?: number;
  /** The bus the log is relayed to: `embedded:` (default, in `<dataDir>/bus`) or `kafka://host:port`. */
  readonly bus?: string;
  /** Run the scheduler and the controller manager in this process (default true). */
  readonly components?: boolean;
  readonly componentOptions?: ComponentsOptions;
  /** Run a node agent for this machine (pods as containers or processes, state in `<dataDir>/node`). */
  readonly nodeAgent?: boolean | EmbeddedNodeAgentOptions;
  /** `host:port` of the ingress controller the node's service proxy runs (port 0: a free one); undefined runs none. */
  readonly ingressAddress?: string;
  /** One registry for every component of the process, served on the API port's /metrics. Default: a new one. */
  readonly registry?: Registry;
  /** Run a local image registry on this address (`logbook up --registry`); the node agent mirrors docker.io to it. */
  readonly imageRegistry?: { readonly address: string };
  /** kube's request audit (`logbook up --audit-policy-file --audit-log-path`); the components' writes are in it too. */
  readonly audit?: RequestAuditOptions;
  /** Default `Node,RBAC`; `AlwaysAllow` only to measure what authorization costs (bench/api-create). */
  readonly authorizationMode?: AuthorizationMode;
  /** An EncryptionConfiguration for Secrets at rest, or `identity` (none); default `<dataDir>/encryption-config.yaml`, made with a random key. */
  readonly encryptionProviderConfig?: string;
}

export interface EmbeddedNodeAgentOptions {
  readonly nodeName?: string;
  readonly port?: number;
  /** containerd, process, or auto (default: containerd where it can run). */
  readonly runtime?: RuntimeChoice;
  /** The cluster's pod CIDR, blackholed on this machine before the first sandbox (default 10.244.0.0/16). */
  readonly clusterCIDR?: string;
  /** host:port of the registry that serves docker.io short names. */
  readonly registryMirror?: string;
  readonly insecureRegistries?: readonly string[];
  readonly allowPrivileged?: boolean;
}

export interface EmbeddedCluster {
  readonly url: string;
  readonly kubeconfig: string;
  readonly adminToken: string;
  readonly store: EventStore;
  readonly projector: Projector;
  readonly api: RunningApiServer;
  readonly bus: EventBus;
  readonly relay: Relay;
  readonly components?: RunningComponents;
  readonly hollow?: RunningHollowNodes;
  readonly nodeAgent?: NodeAgent;
  /** The node agent's runtime: its processes keep running after close (the next start adopts them). */
  readonly runtime?: ContainerRuntime;
  /** Which runtime the node agent runs pods with, and why when auto fell back to processes. */
  readonly runtimeKind?: { readonly kind: 'containerd' | 'process'; readonly reason?: string };
  readonly registry: Registry;
  /** `host:port` the ingress controller listens on, once bound. */
  readonly ingressAddress?: string;
  /** `host:port` of the local image registry (with `imageRegistry`). */
  readonly imageRegistry?: string;
  close(): Promise<void>;
}

/**
 * `logbook up`: the API server (log on SQLite in the data directory, projection, HTTPS API,
 * kubeconfig), and beside it in this process the relay to the bus, the scheduler, the controller
 * manager, a node agent for this machine and its service proxy.
 */
export async function startEmbeddedCluster(options: EmbeddedClusterOptions): Promise<EmbeddedCluster> {
  const dataDir = resolve(options.dataDir);
  const log = options.logger;
  const registry = options.registry ?? createMetricsRegistry('logbook');
  const server = await startStandaloneApiServer({
    dataDir,
    host: options.host,
    port: options.port,
    logger: log,
    snapshotEvery: options.snapshotEvery,
    bookmarkIntervalMs: options.bookmarkIntervalMs,
    // The components run in this process and write as their identities without tokens.
    controlPlaneTokens: false,
    // Without a controller manager the API server empties deleted namespaces itself.
    finalizeNamespaces: options.components === false,
    registry,
    audit: options.audit,
    authorizationMode: options.authorizationMode,
    encryptionProviderConfig: options.encryptionProviderConfig,
  });
  const { store, projector, api } = server;
  // One client per component identity; with a request audit, its writes are in the audit file too.
  const inProcess = (name: string): InProcessClusterClient => {
    const user = componentUser(name);
    const client = new InProcessClusterClient(api.writer, projector, user, api.authorizer, api.serviceAccountTokens);
    return api.audit ? auditedClusterClient(client, api.audit, user) : client;
  };

  // The relay publishes the log to the bus the components consume (DESIGN §4).
  const busUrl = options.bus ?? `embedded:${join(dataDir, 'bus')}`;
  const bus = createEventBus(busUrl);
  const topicPrefix = options.componentOptions?.topicPrefix ?? '';
  const relay = new Relay({ store, checkpoints: store, snapshots: store, bus, topicPrefix, name: relayCheckpointName((busUrl.startsWith('embedded:') ? 'embedded:' : busUrl) + topicPrefix), logger: log, registry });
  await relay.start();
  log.info({ bus: busUrl.startsWith('embedded:') ? 'embedded' : busUrl, position: relay.position }, 'relay started');

  const components =
    options.components === false
      ? undefined
      : await startComponents({
          bus,
          clientFor: inProcess,
          log,
          // The node IPAM controller cuts node CIDRs from the same cluster CIDR the node agent blackholes.
          // The root CA publisher hands every namespace the CA this API server's certificate comes from.
          options: { ...options.componentOptions, clusterCidr: options.componentOptions?.clusterCidr ?? (typeof options.nodeAgent === 'object' ? options.nodeAgent.clusterCIDR : undefined), rootCaPem: options.componentOptions?.rootCaPem ?? api.caCert, clusterSigning: options.componentOptions?.clusterSigning ?? clusterSigningOf(dataDir) },
          registry,
        });
  const hollow = await startHollowNodes({
    bus,
    client: inProcess(HOLLOW_NODES_USER),
    log,
    options: options.componentOptions ?? {},
  });

  let nodeAgent: { agent: NodeAgent; runtime: ContainerRuntime; node: NodeRuntime } | undefined;
  let proxy: RunningServiceProxy | undefined;
  let images: RunningImageRegistry | undefined;
  const close = async () => {
    await proxy?.stop();
    // The node agent's processes keep running: the next `logbook up` adopts them.
    await nodeAgent?.agent.stop();
    await nodeAgent?.node.close();
    await hollow?.stop();
    await components?.stop();
    await relay.stop();
    await bus.close();
    await server.close();
    await images?.stop();
  };
  try {
    if (options.imageRegistry) images = await startImageRegistry(dataDir, options.imageRegistry.address, log);
    const agentOptions = options.nodeAgent && images ? { ...(options.nodeAgent === true ? {} : options.nodeAgent), registryMirror: images.address } : options.nodeAgent;
    // The agent is `system:node:<its node>` in system:nodes, held by the Node authorizer to its own pods, as a kubelet is.
    const agentNodeName = agentOptions ? ((agentOptions === true ? undefined : agentOptions.nodeName) ?? defaultNodeName()) : undefined;
    nodeAgent = agentOptions ? await startNodeAgent(dataDir, bus, topicPrefix, inProcess(`system:node:${agentNodeName}`), log, agentOptions === true ? { nodeName: agentNodeName } : { ...agentOptions, nodeName: agentNodeName }, registry, api.caCert, api.url) : undefined;
    // With a node that runs real workloads, Services must be reachable too: the proxy of this node.
    proxy = nodeAgent ? await ServiceProxy.start({ bus, client: inProcess(PROXY_USER), log, nodeName: nodeAgent.agent.nodeName, topicPrefix, registry, ingressAddress: options.ingressAddress }) : undefined;
  } catch (err) {
    await close().catch((closeErr: Error) => log.warn({ err: closeErr.message }, 'unclean stop after a failed start'));
    throw err;
  }

  return {
    url: api.url,
    kubeconfig: server.kubeconfig,
    adminToken: server.adminToken,
    store,
    projector,
    api,
    bus,
    relay,
    components,
    hollow,
    nodeAgent: nodeAgent?.agent,
    runtime: nodeAgent?.runtime,
    ...(nodeAgent ? { runtimeKind: { kind: nodeAgent.node.kind, ...(nodeAgent.node.reason ? { reason: nodeAgent.node.reason } : {}) } } : {}),
    registry,
    get ingressAddress() {
      return proxy?.ingress?.address;
    },
    ...(images ? { imageRegistry: images.address } : {}),
    close,
  };
}

async function startNodeAgent(
  dataDir: string,
  bus: EventBus,
  topicPrefix: string,
  client: InProcessClusterClient,
  log: Logger,
  options: true | EmbeddedNodeAgentOptions,
  registry: Registry,
  clusterCaCert: string,
  apiServerUrl: string,
): Promise<{ agent: NodeAgent; runtime: ContainerRuntime; node: NodeRuntime }> {
  const o: EmbeddedNodeAgentOptions = options === true ? {} : options;
  const nodeName = o.nodeName ?? defaultNodeName();
  const node = await startNodeRuntime({
    choice: o.runtime ?? 'auto',
    stateDir: join(dataDir, 'node'),
    nodeName,
    client,
    log,
    clusterCIDR: o.clusterCIDR ?? DEFAULT_CLUSTER_CIDR,
    apiServerUrl,
    ...(o.registryMirror ? { registryMirror: o.registryMirror } : {}),
    ...(o.insecureRegistries ? { insecureRegistries: o.insecureRegistries } : {}),
  });
  const runtime = node.runtime;
  // The streaming port (exec, port-forward) accepts the API server's client certificate of this CA.
  const agent = new NodeAgent({
    client,
    bus,
    runtime,
    topicPrefix,
    log,
    registry,
    streaming: { clusterCaCert },
    nodeName,
    ...(o.port !== undefined ? { port: o.port } : {}),
    ...(node.volumes ? { volumes: node.volumes } : {}),
    ...(node.volumesDir ? { volumesDir: node.volumesDir } : {}),
    ...(node.network ? { network: node.network } : {}),
    ...(node.apiServer ? { apiServer: node.apiServer } : {}),
    allowPrivileged: o.allowPrivileged ?? false,
  });
  try {
    await agent.start();
  } catch (err) {
    await node.abandon();
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    const port = options === true ? undefined : options.port;
    throw new Error(
      `the node agent's read-only port ${port ?? 10255} on 127.0.0.1 is in use (another logbook up with a node agent on this machine?): ` +
        'pass --node-agent-port with a free port (0 picks one), or --no-node-agent to run without a node agent',
      { cause: err },
    );
  }
  log.info({ node: agent.nodeName, port: agent.port, runtime: node.kind }, 'node agent started');
  return { agent, runtime, node };
}

/** The CSR signer signs with the cluster CA the API server made in `<dataDir>/pki` (one process holds both). */
function clusterSigningOf(dataDir: string): ComponentsOptions['clusterSigning'] {
  const ca = readClusterCa(dataDir);
  return { certPem: ca.cert, keyPem: ca.key };
}
