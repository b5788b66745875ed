import type { BusConsumer, EventBus } from '@logbook/bus';
import { type Cause, type ClusterClient, ObjectCache, keyOf } from '@logbook/components';
import type { KubeObject } from '@logbook/kube';
import { nodeTopic, parseRelayed } from '@logbook/relay';

export interface PodSourceOptions {
  readonly bus: EventBus;
  readonly client: ClusterClient;
  readonly nodeName: string;
  readonly topicPrefix: string;
  /** A pod key changed (its cause: the event that changed it). */
  readonly changed: (key: string, cause: Cause) => void;
}

/**
 * The pods bound to one node, and only those: a list through the API at start (field selector
 * `spec.nodeName`), then the node's own topic `logbook.node.<name>` with the node's own consumer
 * group. Its cost grows with the node's pods, not the cluster's (docs/architecture.md).
 */
export class PodSource {
  readonly cache = new ObjectCache();
  private consumer?: BusConsumer;

  constructor(private readonly o: PodSourceOptions) {}

  get topic(): string {
    return this.o.topicPrefix + nodeTopic(this.o.nodeName);
  }

  /** Lists the node's pods (the cache's floor); returns them. Consuming starts with follow(). */
  async bootstrap(): Promise<KubeObject[]> {
    const { items, position } = this.o.client.listObjects
      ? await this.o.client.listObjects('Pod', { nodeName: this.o.nodeName })
      : await this.o.client.listAll(['Pod']);
    const ours = items.filter((p) => p.spec?.nodeName === this.o.nodeName).map((p) => ({ ...p, kind: 'Pod', apiVersion: 'v1' }));
    this.cache.bootstrap(ours, position);
    return ours;
  }

  async follow(): Promise<void> {
    await this.o.bus.createTopic(this.topic, 1);
    this.consumer = await this.o.bus.consumer({ groupId: `${this.o.topicPrefix}logbook-node-${this.o.nodeName}`, topics: [this.topic], fromBeginning: true });
    await this.consumer.run(async (m) => {
      const { envelope, object } = parseRelayed(m.value);
      const change = this.cache.apply(envelope.stream, 'Pod', envelope.position, object);
      if (!change) return;
      const pod = change.after ?? change.before;
      if (pod) this.o.changed(keyOf(pod), { causationId: envelope.id, correlationId: envelope.metadata.correlationId });
    });
  }

  get(key: string): KubeObject | undefined {
    const i = key.indexOf('/');
    return this.cache.get('Pod', key.slice(0, i), key.slice(i + 1));
  }

  list(): KubeObject[] {
    return this.cache.list('Pod');
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
  }
}
