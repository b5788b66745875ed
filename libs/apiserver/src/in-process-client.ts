import { randomUUID } from 'node:crypto';
import { ApiError, type KubeObject, type ResourceInfo, matchesLabels, parseLabelSelector, resourceByKind, streamName } from '@logbook/kube';
import type { Projector } from '@logbook/projections';
import { type Cause, ClientError, type ClusterClient, type DeleteOptions, type ClientListOptions } from '@logbook/components';
import type { Caller, ClusterWriter } from './write/cluster-writer';
import type { WriteCommand } from './write/commands';
import { serviceAllocatorFor } from './write/cluster-ip';
import { podNodeReady } from './write/node-readiness';
import { podMetricsOf } from './ops/resource-metrics';
import { scaleOf } from './ops/scale';

/**
 * The components' client inside `logbook up`: the same write path as an HTTP request (decide,
 * validate, append, read-your-writes) without the network, attributed to the component.
 */
export class InProcessClusterClient implements ClusterClient {
  constructor(
    private readonly writer: ClusterWriter,
    private readonly projector: Projector,
    private readonly actor: string,
  ) {}

  async create(obj: KubeObject, cause: Cause): Promise<KubeObject> {
    const resource = this.resource(obj.kind);
    const object = { ...obj, metadata: { ...obj.metadata } };
    if (!object.metadata.name && object.metadata.generateName) object.metadata.name = object.metadata.generateName + randomUUID().slice(0, 5);
    return this.run(resource, object.metadata.namespace, object.metadata.name!, { type: 'Create', resource, object }, cause);
  }

  async update(obj: KubeObject, cause: Cause): Promise<KubeObject> {
    const resource = this.resource(obj.kind);
    return this.run(resource, obj.metadata.namespace, obj.metadata.name!, { type: 'Update', resource, object: obj }, cause);
  }

  async updateStatus(obj: KubeObject, cause: Cause): Promise<KubeObject> {
    const resource = this.resource(obj.kind);
    return this.run(resource, obj.metadata.namespace, obj.metadata.name!, { type: 'UpdateStatus', resource, object: obj }, cause);
  }

  async delete(kind: string, namespace: string | undefined, name: string, options: DeleteOptions): Promise<void> {
    const resource = this.resource(kind);
    const state = this.projector.state;
    const nodeReady = podNodeReady(state, state.getByStream(streamName(kind, resource.namespaced ? namespace : undefined, name)));
    const command: WriteCommand = { type: 'Delete', resource, propagationPolicy: options.propagationPolicy, preconditions: options.preconditions, gracePeriodSeconds: options.gracePeriodSeconds, ...(nodeReady !== undefined ? { nodeReady } : {}) };
    await this.run(resource, namespace, name, command, options);
  }

  async getObject(kind: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    const resource = this.resource(kind);
    return this.projector.state.getByStream(streamName(kind, resource.namespaced ? namespace : undefined, name));
  }

  async listObjects(kind: string, options: ClientListOptions = {}): Promise<{ items: KubeObject[]; position: number }> {
    const resource = this.resource(kind);
    const namespace = resource.namespaced ? options.namespace : undefined;
    const state = this.projector.state;
    return { items: state.list(kind, { namespace, ...(kind === 'Pod' && options.nodeName !== undefined ? { nodeName: options.nodeName } : {}) }), position: state.position };
  }

  async getScale(kind: string, namespace: string, name: string): Promise<KubeObject> {
    const resource = this.scalable(kind);
    const obj = this.projector.state.getByStream(streamName(kind, namespace, name));
    if (!obj) throw new ClientError(404, 'NotFound', `${resource.plural}.${resource.group} "${name}" not found`);
    return scaleOf(resource, obj);
  }

  async updateScale(kind: string, scale: KubeObject, cause: Cause): Promise<KubeObject> {
    const resource = this.scalable(kind);
    const { namespace, name, resourceVersion } = scale.metadata;
    const command: WriteCommand = { type: 'Scale', resource, replicas: scale.spec?.replicas, resourceVersion: resourceVersion || undefined };
    return scaleOf(resource, await this.run(resource, namespace, name!, command, cause));
  }

  /** The same PodMetrics `GET /apis/metrics.k8s.io/v1beta1/namespaces/<ns>/pods` answers. */
  async podMetrics(namespace: string, labelSelector?: string): Promise<KubeObject[]> {
    let selector;
    try {
      selector = labelSelector ? parseLabelSelector(labelSelector) : undefined;
    } catch (err) {
      if (err instanceof ApiError) throw new ClientError(err.code, err.reason, err.message);
      throw err;
    }
    return podMetricsOf(this.projector.state, namespace, (p) => !selector || matchesLabels(selector, p.metadata.labels ?? {}));
  }

  async bind(namespace: string, name: string, nodeName: string, resourceVersion: string, cause: Cause): Promise<void> {
    const resource = this.resource('Pod');
    await this.run(resource, namespace, name, { type: 'Bind', resource, nodeName, resourceVersion }, cause);
  }

  async listAll(kinds: readonly string[]): Promise<{ items: KubeObject[]; position: number }> {
    const state = this.projector.state;
    return { items: kinds.flatMap((k) => state.list(k)), position: state.position };
  }

  private resource(kind: string): ResourceInfo {
    const r = resourceByKind(kind);
    if (!r) throw new ClientError(404, 'NotFound', `unknown kind ${kind}`);
    return r;
  }

  private scalable(kind: string): ResourceInfo {
    const r = this.resource(kind);
    if (!r.subresources.includes('scale')) throw new ClientError(404, 'NotFound', `${r.plural} have no scale subresource`);
    return r;
  }

  private async run(resource: ResourceInfo, namespace: string | undefined, name: string, command: WriteCommand, cause: Cause): Promise<KubeObject> {
    const caller: Caller = { actor: this.actor, correlationId: cause.correlationId ?? randomUUID(), causationId: cause.causationId };
    try {
      const ns = resource.namespaced ? namespace : undefined;
      // Same as the HTTP path: Services get their ClusterIP (and node ports) allocated here.
      const result = await serviceAllocatorFor(this.projector).run(ns, name, command, (cmd) => this.writer.write(resource, ns, name, cmd, caller));
      return (result.object ?? result.before)!;
    } catch (err) {
      if (err instanceof ApiError) throw new ClientError(err.code, err.reason, err.message);
      throw err;
    }
  }
}
