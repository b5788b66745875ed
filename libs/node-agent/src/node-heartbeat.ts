import type { KubeObject } from '@logbook/kube';
import { ClientError, type ClusterClient, type ComponentLogger } from '@logbook/components';
import { type NodeInfo, VOLUMES_DIR_ANNOTATION, agentNodeObject, agentNodeStatus, nodeConditions } from './node-object';
import { STREAMING_PORT_ANNOTATION } from '@logbook/kube';

/**
 * Registers the agent's Node (adopting one that exists: a restarted agent keeps its node) and
 * renews its conditions every interval through /status, like the hollow nodes' heartbeats.
 */
export class NodeHeartbeat {
  private timer?: NodeJS.Timeout;
  private current?: KubeObject;
  private inFlight: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly client: ClusterClient,
    private readonly info: NodeInfo,
    private readonly intervalMs: number,
    private readonly now: () => Date,
    private readonly log: ComponentLogger,
  ) {}

  get node(): KubeObject | undefined {
    return this.current;
  }

  async register(): Promise<KubeObject> {
    let created: KubeObject | undefined;
    try {
      created = await this.client.create(agentNodeObject(this.info), {});
    } catch (err) {
      if (!(err instanceof ClientError && err.reason === 'AlreadyExists')) throw err;
    }
    let existing = created ?? (await this.client.getObject?.('Node', undefined, this.info.name)) ?? agentNodeObject(this.info);
    existing = await this.advertiseStreamingPort(existing);
    // Written without a resourceVersion: the agent owns its node's status outright, and the node
    // IPAM controller may already have given a just-created node its podCIDR (a spec write).
    const base = { ...existing, metadata: { ...existing.metadata, resourceVersion: undefined } };
    this.current = await this.client.updateStatus({ ...base, status: agentNodeStatus(this.info, this.now(), existing.status) }, {});
    return this.current;
  }

  /** A restarted agent may serve its streaming port (or keep its volumes) elsewhere: the node's annotations follow. */
  private async advertiseStreamingPort(node: KubeObject): Promise<KubeObject> {
    const want: Record<string, string | undefined> = {
      [STREAMING_PORT_ANNOTATION]: this.info.streamingPort ? String(this.info.streamingPort) : undefined,
      [VOLUMES_DIR_ANNOTATION]: this.info.volumesDir,
    };
    const annotations: Record<string, string> = { ...(node.metadata.annotations ?? {}) };
    if (Object.entries(want).every(([k, v]) => annotations[k] === v)) return node;
    for (const [k, v] of Object.entries(want)) {
      if (v === undefined) delete annotations[k];
      else annotations[k] = v;
    }
    return this.client.update({ ...node, metadata: { ...node.metadata, annotations, resourceVersion: undefined } }, {});
  }

  /**
   * The node's spec.podCIDR once the node IPAM controller gave it one: polled (the agent follows
   * only its pods' topic), fast at first, then at the heartbeat interval.
   */
  async podCIDR(deadlineMs: number): Promise<string | undefined> {
    const until = Date.now() + deadlineMs;
    for (let delay = 50; !this.stopped; delay = Math.min(delay * 2, 1000)) {
      const node = await this.client.getObject?.('Node', undefined, this.info.name).catch(() => undefined);
      const cidr = node?.spec?.podCIDR;
      if (cidr) return cidr;
      if (Date.now() + delay > until) return undefined;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
    return undefined;
  }

  start(): void {
    const tick = () => {
      this.timer = setTimeout(() => {
        this.inFlight = this.beat().finally(() => {
          if (!this.stopped) tick();
        });
      }, this.intervalMs);
      this.timer.unref();
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.inFlight;
  }

  async beat(): Promise<void> {
    if (!this.current) return;
    const status = { ...this.current.status, conditions: nodeConditions(this.info, this.current.status?.conditions, this.now()) };
    if (JSON.stringify(status) === JSON.stringify(this.current.status)) return;
    try {
      // Without a resourceVersion: the node's status is this agent's alone (a lifecycle
      // controller's Unknown is overwritten, which is what a heartbeat means).
      this.current = await this.client.updateStatus({ ...this.current, metadata: { ...this.current.metadata, resourceVersion: undefined }, status }, {});
    } catch (err) {
      this.log.warn({ node: this.info.name, err: (err as Error).message }, 'heartbeat failed');
    }
  }
}
