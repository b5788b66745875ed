import type { KubeObject } from '@logbook/kube';
import type { EventBus } from '@logbook/bus';
import { ClientError, type ClusterClient, type ComponentLogger, type Controller, ControllerHost, EventBroadcaster, type ObjectCache, nodeReference } from '@logbook/components';
import { NodeHeartbeats } from './heartbeats';
import { HollowKubelet } from './hollow-kubelet';
import { HollowNodeRegistry } from './node-registry';
import { hollowNodeObject, hollowNodeStatus } from './node-status';

export interface HollowNodesOptions {
  readonly count: number;
  /** Node names are `<namePrefix><index>`. Default `hollow-node-`. */
  readonly namePrefix?: string;
  /** Index of the first node (its name and its address range); lets two agents share a cluster. Default 0. */
  readonly firstIndex?: number;
  readonly cpu?: string;
  readonly memory?: string;
  readonly pods?: number;
  /** Extra node labels (they win over the defaults). */
  readonly labels?: Record<string, string>;
  readonly heartbeatIntervalMs?: number;
  /** Delay between a pod's binding and its Running status. Default 0. */
  readonly podStartDelayMs?: number;
  /** How long a Job's pod runs before it exits. Default 1000. */
  readonly jobPodRunMs?: number;
  /** The kubelet controller's name (its consumer group). Default `hollow-kubelet`. */
  readonly controllerName?: string;
  readonly now?: () => Date;
  readonly log?: ComponentLogger;
  /**
   * Where each node's `Starting` Event goes when it registers. Hollow kubelets record no Events
   * about pods: they are the scale harness, and the kubelet's per-pod Events would triple the
   * writes of a placement (real node agents record them).
   */
  readonly events?: EventBroadcaster;
}

export interface StartHollowNodesOptions extends HollowNodesOptions {
  readonly bus: EventBus;
  readonly client: ClusterClient;
  readonly log: ComponentLogger;
  /** The relay's partitions of `logbook.<plural>` (ControllerHost's default is 6). */
  readonly partitions?: number;
  readonly topicPrefix?: string;
}

export interface RunningHollowNodes {
  readonly nodeNames: readonly string[];
  readonly nodes: HollowNodes;
  readonly host: ControllerHost;
  pause(nodeName: string): void;
  resume(nodeName: string): void;
  stop(): Promise<void>;
}

const SILENT: ComponentLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const REGISTRATION_CONCURRENCY = 32;

/**
 * Nodes without machines (after Kubemark's hollow nodes): they register, heartbeat and play
 * their pods' lifecycle through the API like a kubelet would, but start no process. The
 * stand-in for node agents in scheduler and controller tests, and the scale-test harness.
 */
export class HollowNodes {
  private readonly registry: HollowNodeRegistry;
  private readonly heartbeats: NodeHeartbeats;
  private readonly kubelet: HollowKubelet;
  private readonly now: () => Date;
  private readonly log: ComponentLogger;
  private cacheRead?: ObjectCache;

  constructor(
    private readonly client: ClusterClient,
    private readonly o: HollowNodesOptions,
  ) {
    this.registry = new HollowNodeRegistry(o.namePrefix ?? 'hollow-node-', o.count, o.firstIndex ?? 0);
    this.now = o.now ?? (() => new Date());
    this.log = o.log ?? SILENT;
    this.heartbeats = new NodeHeartbeats({
      client,
      nodes: this.registry,
      intervalMs: o.heartbeatIntervalMs ?? 10_000,
      now: this.now,
      log: this.log,
      read: (name) => this.cacheRead?.get('Node', undefined, name),
    });
    this.kubelet = new HollowKubelet(this.registry, { podStartDelayMs: o.podStartDelayMs, jobPodRunMs: o.jobPodRunMs, name: o.controllerName });
  }

  get nodeNames(): string[] {
    return this.registry.names;
  }

  /** Creates every node (adopting those that exist) and posts its status. Returns the nodes. */
  async register(): Promise<KubeObject[]> {
    const names = this.registry.names;
    const out: KubeObject[] = new Array(names.length);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < names.length; i = next++) out[i] = await this.registerOne(names[i]);
    };
    await Promise.all(Array.from({ length: Math.min(REGISTRATION_CONCURRENCY, names.length) }, worker));
    this.log.info({ nodes: names.length }, 'hollow nodes registered');
    return out;
  }

  /** Starts the heartbeats; `cache` (a ControllerHost's) lets them start from the newest node. */
  startHeartbeats(cache?: ObjectCache): void {
    this.cacheRead = cache;
    this.heartbeats.start();
  }

  /** The kubelet that plays these nodes' pods; add it to a ControllerHost. */
  controller(): Controller {
    return this.kubelet;
  }

  /** Stops one node's heartbeats and pod updates (a dead node, for tests). */
  pause(nodeName: string): void {
    this.heartbeats.pause(nodeName);
  }

  resume(nodeName: string): void {
    this.heartbeats.resume(nodeName);
  }

  async stop(): Promise<void> {
    await this.heartbeats.stop();
  }

  /** Registers the nodes, starts heartbeats and a ControllerHost running the kubelet. */
  static async start(options: StartHollowNodesOptions): Promise<RunningHollowNodes> {
    const events = new EventBroadcaster({ client: options.client, log: options.log, now: options.now });
    const nodes = new HollowNodes(options.client, { ...options, events });
    await nodes.register();
    const host = new ControllerHost({
      bus: options.bus,
      client: options.client,
      controllers: [nodes.controller()],
      log: options.log,
      now: options.now,
      partitions: options.partitions,
      topicPrefix: options.topicPrefix,
      events,
    });
    await host.start();
    nodes.startHeartbeats(host.cache);
    return {
      nodeNames: nodes.nodeNames,
      nodes,
      host,
      pause: (n) => nodes.pause(n),
      resume: (n) => nodes.resume(n),
      async stop() {
        await nodes.stop();
        await host.stop();
        await events.shutdown();
      },
    };
  }

  private async registerOne(name: string): Promise<KubeObject> {
    const node = this.registry.require(name);
    let created: KubeObject | undefined;
    try {
      created = await this.client.create(hollowNodeObject(node, this.o.labels), {});
    } catch (err) {
      // Registration is idempotent: an agent restarting finds its nodes and adopts them.
      if (!(err instanceof ClientError && err.reason === 'AlreadyExists')) throw err;
    }
    const base: KubeObject = created ?? hollowNodeObject(node, this.o.labels);
    const capacity = { cpu: this.o.cpu ?? '4', memory: this.o.memory ?? '16Gi', pods: this.o.pods ?? 110 };
    // An adopted node is written without a resourceVersion: the agent owns its status outright.
    const metadata = created ? base.metadata : { name };
    const status = hollowNodeStatus(node, capacity, this.now());
    const written = await this.client.updateStatus({ ...base, metadata, status }, {});
    this.heartbeats.remember(written);
    this.o.events?.recorderFor('kubelet', name).event(nodeReference(name), 'Normal', 'Starting', 'Starting kubelet.', {});
    return written;
  }
}
