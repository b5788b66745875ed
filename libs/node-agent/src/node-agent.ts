import { hostname } from 'node:os';
import type { EventBus } from '@logbook/bus';
import { type Cause, ClientError, type ClusterClient, type ComponentLogger, EventBroadcaster, type EventRecorder, WorkQueue, nodeReference } from '@logbook/components';
import type { KubeObject } from '@logbook/kube';
import type { ContainerRuntime } from '@logbook/runtime';
import { type BackoffPolicy, DEFAULT_BACKOFF } from './backoff';
import { NodeHeartbeat } from './node-heartbeat';
import { type NodeInfo, machineCapacity } from './node-object';
import { PodSource } from './pod-source';
import { PodSync } from './pod-sync';
import { ReadOnlyServer } from './read-only-server';
import { ResourceStats } from './resource-stats';
import { StreamingServer } from './streaming/streaming-server';
import type { PodVolumes } from './pod-volumes';
import type { ApiServerAccess } from './api-server-access';
import { Registry } from 'prom-client';
import { trackConsumerGroups } from '@logbook/observability';

export interface NodeAgentOptions {
  readonly client: ClusterClient;
  readonly bus: EventBus;
  readonly runtime: ContainerRuntime;
  /** Default: LOGBOOK_NODE_NAME, else the host name. */
  readonly nodeName?: string;
  /** The node's InternalIP and the read-only server's address. Default 127.0.0.1. */
  readonly address?: string;
  /** Read-only port (default 10255; 0 picks a free one). */
  readonly port?: number;
  /**
   * The authenticated streaming port (kubectl exec and port-forward through the API server),
   * served only when the cluster CA is known: the API server's client certificate is checked
   * against it. Port default 0 (a free one; the node's annotation says which).
   */
  readonly streaming?: { readonly clusterCaCert: string; readonly port?: number };
  readonly cpu?: string;
  readonly memory?: string;
  readonly pods?: number;
  readonly labels?: Record<string, string>;
  readonly heartbeatIntervalMs?: number;
  readonly backoff?: Partial<BackoffPolicy>;
  /** Milliseconds per probe second (default 1000): tests run probes in sub-second periods. */
  readonly probeSecondMs?: number;
  /** How often container and node usage is read for `/stats/summary` (`kubectl top`); default LOGBOOK_NODE_STATS_INTERVAL_MS, else 10 s. */
  readonly statsIntervalMs?: number;
  /** Pods synced at once (default 16). */
  readonly workers?: number;
  readonly topicPrefix?: string;
  /** Whether the runtime enforces resource limits; default: asked of the runtime (`capabilities()`), else false. */
  readonly limitsEnforced?: boolean;
  readonly now?: () => Date;
  readonly log?: ComponentLogger;
  /** Served on the read-only port's /metrics (with this node's consumer-group figures). */
  readonly registry?: Registry;
  /** The pods' volumes (absent: pods with volume mounts are refused). */
  readonly volumes?: PodVolumes;
  /** Where local-path PersistentVolumes of this node live (advertised on the Node). */
  readonly volumesDir?: string;
  /**
   * The pod network of a runtime that needs one (CNI): called with the node's podCIDR once the
   * node IPAM controller assigned it; sandboxes wait until then.
   */
  readonly network?: { configure(podCIDR: string): Promise<void> };
  /** Whether privileged containers may run on this node (default false). */
  readonly allowPrivileged?: boolean;
  /** How often running pods' configMap/secret/downward API volumes are refreshed (default LOGBOOK_VOLUME_RESYNC_MS, else 10 s). */
  readonly volumeResyncMs?: number;
  /** Where pods reach the API server (their KUBERNETES_SERVICE_* variables); closed with the agent. */
  readonly apiServer?: ApiServerAccess;
}

const SILENT: ComponentLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * The node agent (kubelet): registers its Node and heartbeats, receives only its own pods, runs
 * them through a ContainerRuntime and reports their status, serves the read-only port. Its
 * processes outlive it: a restarted agent adopts what the runtime still runs.
 */
export class NodeAgent {
  readonly nodeName: string;
  private readonly queue = new WorkQueue(200, 10_000);
  private readonly causes = new Map<string, Cause>();
  private readonly source: PodSource;
  private readonly sync: PodSync;
  private readonly heartbeat: NodeHeartbeat;
  private readonly server: ReadOnlyServer;
  private readonly stats: ResourceStats;
  private readonly streaming?: StreamingServer;
  private readonly workers: Promise<void>[] = [];
  private readonly log: ComponentLogger;
  private readonly info: NodeInfo;
  private unsubscribe?: () => void;
  private boundPort = 0;
  private following = false;
  private readonly registry: Registry;
  private untrack?: () => void;
  private readonly events: EventBroadcaster;
  private readonly recorder: EventRecorder;

  constructor(private readonly o: NodeAgentOptions) {
    this.nodeName = o.nodeName ?? process.env.LOGBOOK_NODE_NAME ?? hostname().toLowerCase();
    this.log = o.log ?? SILENT;
    const now = o.now ?? (() => new Date());
    const machine = machineCapacity();
    const caps = o.runtime.capabilities?.();
    this.info = {
      name: this.nodeName,
      address: o.address ?? '127.0.0.1',
      port: 0,
      cpu: o.cpu ?? machine.cpu,
      memory: o.memory ?? machine.memory,
      pods: o.pods ?? machine.pods,
      labels: o.labels ?? {},
      limitsEnforced: o.limitsEnforced ?? caps?.limitsEnforced ?? false,
      limitsReason: caps?.reason,
      ...(caps?.name ? { runtimeVersion: `${caps.name}://${caps.version ?? ''}` } : {}),
      ...(o.volumesDir ? { volumesDir: o.volumesDir } : {}),
    };
    this.registry = o.registry ?? new Registry();
    this.events = new EventBroadcaster({ client: o.client, log: this.log, now, registry: this.registry });
    this.recorder = this.events.recorderFor('kubelet', this.nodeName);
    this.source = new PodSource({ bus: o.bus, client: o.client, nodeName: this.nodeName, topicPrefix: o.topicPrefix ?? '', changed: (key, cause) => this.enqueue(key, cause) });
    this.sync = new PodSync({
      runtime: o.runtime,
      client: o.client,
      nodeName: this.nodeName,
      hostIP: this.info.address,
      backoff: { ...DEFAULT_BACKOFF, ...o.backoff },
      probeSecondMs: o.probeSecondMs ?? 1000,
      now,
      log: this.log,
      requeue: (key) => this.queue.add(key),
      recorder: this.recorder,
      ...(o.volumes ? { volumes: o.volumes } : {}),
      allowPrivileged: o.allowPrivileged ?? false,
      volumeResyncMs: o.volumeResyncMs ?? (Number(process.env.LOGBOOK_VOLUME_RESYNC_MS) || 10_000),
      ...(o.apiServer ? { apiServer: o.apiServer } : {}),
    });
    this.heartbeat = new NodeHeartbeat(o.client, this.info, o.heartbeatIntervalMs ?? 10_000, now, this.log);
    const statsIntervalMs = o.statsIntervalMs ?? (Number(process.env.LOGBOOK_NODE_STATS_INTERVAL_MS) || 10_000);
    this.stats = new ResourceStats(o.runtime, this.nodeName, () => this.source.list(), statsIntervalMs);
    this.server = new ReadOnlyServer({
      runtime: o.runtime,
      pods: () => this.source.list(),
      node: () => this.heartbeat.node,
      summary: () => this.stats.summary(),
      registry: this.registry,
      ready: () => this.following,
    });
    if (o.streaming) this.streaming = new StreamingServer({ runtime: o.runtime, pods: () => this.source.list(), log: this.log });
  }

  /** The read-only server's port (after start). */
  get port(): number {
    return this.boundPort;
  }

  async start(): Promise<void> {
    this.boundPort = await this.server.listen(this.o.port ?? 10255, this.info.address);
    (this.info as { port: number }).port = this.boundPort;
    if (this.streaming && this.o.streaming) {
      (this.info as { streamingPort?: number }).streamingPort = await this.streaming.listen(this.o.streaming.port ?? 0, this.info.address, this.o.streaming.clusterCaCert);
    }
    await this.heartbeat.register();
    this.recorder.event(nodeReference(this.nodeName), 'Normal', 'Starting', 'Starting kubelet.', {});
    this.heartbeat.start();
    if (this.o.network) await this.configureNetwork(this.o.network);

    const pods = await this.source.bootstrap();
    const [sandboxes, containers] = await Promise.all([this.o.runtime.listSandboxes(), this.o.runtime.listContainers()]);
    this.sync.adopt(pods, sandboxes, containers);
    this.unsubscribe = this.o.runtime.onExit((status) => this.sync.onExit(status));
    // Drift: whatever runs here for pods no longer bound here stops.
    const strays = this.sync.strays(pods, sandboxes);
    await Promise.all(strays.map((uid) => this.sync.teardown(uid, 2)));
    this.log.info({ node: this.nodeName, pods: pods.length, adopted: sandboxes.length - strays.length, stopped: strays.length, port: this.boundPort }, 'node agent started');

    for (const pod of pods) this.queue.add(`${pod.metadata.namespace}/${pod.metadata.name}`);
    for (let i = 0; i < (this.o.workers ?? 16); i++) this.workers.push(this.work());
    await this.source.follow();
    this.untrack = trackConsumerGroups(this.registry, this.o.bus, () => [{ groupId: `${this.o.topicPrefix ?? ''}logbook-node-${this.nodeName}`, topics: [this.source.topic] }]);
    this.stats.start();
    this.following = true;
  }

  /**
   * Waits a little for the node's podCIDR, then configures the pod network; when the IPAM
   * controller is slower, keeps waiting in the background (sandboxes fail and retry until then).
   */
  private async configureNetwork(network: { configure(podCIDR: string): Promise<void> }): Promise<void> {
    const apply = async (cidr: string) => {
      await network.configure(cidr);
      this.log.info({ node: this.nodeName, podCIDR: cidr }, 'pod network configured');
    };
    const cidr = await this.heartbeat.podCIDR(15_000);
    if (cidr) return apply(cidr);
    this.log.warn({ node: this.nodeName }, 'the node has no spec.podCIDR yet (is the node IPAM controller running?); pods wait for their network');
    this.heartbeat
      .podCIDR(Number.MAX_SAFE_INTEGER)
      .then(async (late) => {
        if (late) await apply(late);
      })
      .catch((err) => this.log.error({ node: this.nodeName, err: (err as Error).message }, 'could not configure the pod network'));
  }

  /** Stops syncing and serving; the pods' processes keep running (a restart adopts them). */
  async stop(): Promise<void> {
    this.following = false;
    this.stats.stop();
    this.untrack?.();
    this.unsubscribe?.();
    this.queue.close();
    await this.source.stop();
    await Promise.allSettled(this.workers);
    this.sync.stop();
    await this.events.shutdown();
    await this.heartbeat.stop();
    await this.server.close();
    await this.streaming?.close();
    await this.o.apiServer?.close();
  }

  /** The pods bound here, as the agent's cache holds them. */
  pods(): KubeObject[] {
    return this.source.list();
  }

  private enqueue(key: string, cause: Cause): void {
    this.causes.set(key, cause);
    this.queue.add(key);
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.next();
      if (key === undefined) return;
      try {
        const again = await this.sync.reconcile(key, this.source.get(key), this.causes.get(key) ?? {});
        this.queue.forget(key);
        if (again !== undefined) this.queue.addAfter(key, again);
      } catch (err) {
        if (err instanceof ClientError && err.isNotFound) this.queue.forget(key);
        else {
          const level = err instanceof ClientError && err.isConflict ? 'debug' : 'warn';
          this.log[level]({ pod: key, err: (err as Error).message }, 'pod sync failed; retrying with back-off');
          this.queue.addRateLimited(key);
        }
      } finally {
        this.queue.done(key);
      }
    }
  }
}
