import { randomUUID } from 'node:crypto';
import { ApiError, type KubeObject, type ResourceInfo, matchesLabels, parseLabelSelector, resourceByKind, streamName } from '@logbook/kube';
import type { Projector } from '@logbook/projections';
import { type Cause, ClientError, type ClusterClient, type DeleteOptions, type ClientListOptions, type ClientWriteOptions, type IssuedToken, type TokenRequestSpec } from '@logbook/components';
import type { Caller, ClusterWriter } from './write/cluster-writer';
import type { WriteCommand } from './write/commands';
import { podNodeReady } from './write/node-readiness';
import type { User } from './identity/token-file';
import { ALLOW_ALL, type Authorizer, type RequestAttributes } from './authz/authorizer';
import { forbidden } from './authz/forbidden';
import { podMetricsOf } from './ops/resource-metrics';
import { scaleOf } from './ops/scale';
import { issueTokenRequest } from './ops/token-request';
import type { ServiceAccountTokens } from './authn/service-account-tokens';

/**
 * A component's identity inside `logbook up` (no certificate: it is in the same process).
 * Node agents' identities are in `system:nodes`, as a kubelet's certificate says.
 */
export function componentUser(name: string): User {
  return { name, uid: name, groups: [...(name.startsWith('system:node:') ? ['system:nodes'] : []), 'system:authenticated'] };
}

/**
 * The components' client inside `logbook up`: the same write path as an HTTP request (admission,
 * decide, validate, append, read-your-writes) without the network, as the component's user.
 * Every call passes `authorize` first, with the attributes an HTTP request would have.
 */
export class InProcessClusterClient implements ClusterClient {
  constructor(
    private readonly writer: ClusterWriter,
    private readonly projector: Projector,
    private readonly user: User,
    /** Node, then RBAC (the API server's); unit and int tests of other parts may leave it open. */
    private readonly authorizer: Authorizer = ALLOW_ALL,
    /** The TokenRequest issuer (RunningApiServer's); without it `requestToken` answers 404 as the route does. */
    private readonly tokens?: ServiceAccountTokens,
  ) {}

  async create(obj: KubeObject, cause: Cause, options: ClientWriteOptions = {}): Promise<KubeObject> {
    const resource = this.resource(obj.kind);
    const namespace = obj.metadata.namespace;
    this.authorize({ verb: 'create', resource, namespace });
    // The name may still be empty: the writer's admission generates it from generateName.
    return this.run(resource, namespace, obj.metadata.name ?? '', { type: 'Create', resource, object: obj }, cause, options);
  }

  async update(obj: KubeObject, cause: Cause, options: ClientWriteOptions = {}): Promise<KubeObject> {
    const resource = this.resource(obj.kind);
    this.authorize({ verb: 'update', resource, namespace: obj.metadata.namespace, name: obj.metadata.name });
    return this.run(resource, obj.metadata.namespace, obj.metadata.name!, { type: 'Update', resource, object: obj }, cause, options);
  }

  async updateStatus(obj: KubeObject, cause: Cause): Promise<KubeObject> {
    const resource = this.resource(obj.kind);
    this.authorize({ verb: 'update', resource, subresource: 'status', namespace: obj.metadata.namespace, name: obj.metadata.name });
    return this.run(resource, obj.metadata.namespace, obj.metadata.name!, { type: 'UpdateStatus', resource, object: obj }, cause);
  }

  /** certificatesigningrequests/<name>/approval: the Approved/Denied conditions (the CSR approver). */
  async updateApproval(obj: KubeObject, cause: Cause): Promise<KubeObject> {
    const resource = this.resource(obj.kind);
    this.authorize({ verb: 'update', resource, subresource: 'approval', name: obj.metadata.name });
    return this.run(resource, undefined, obj.metadata.name!, { type: 'UpdateApproval', resource, object: obj }, cause);
  }

  async delete(kind: string, namespace: string | undefined, name: string, options: DeleteOptions): Promise<void> {
    const resource = this.resource(kind);
    this.authorize({ verb: 'delete', resource, namespace, name });
    const state = this.projector.state;
    const nodeReady = podNodeReady(state, state.getByStream(streamName(kind, resource.namespaced ? namespace : undefined, name)));
    const command: WriteCommand = { type: 'Delete', resource, propagationPolicy: options.propagationPolicy, preconditions: options.preconditions, gracePeriodSeconds: options.gracePeriodSeconds, ...(nodeReady !== undefined ? { nodeReady } : {}) };
    await this.run(resource, namespace, name, command, options);
  }

  /** The same TokenRequest `POST …/serviceaccounts/<name>/token` answers, never stored. */
  async requestToken(namespace: string, serviceAccount: string, spec: TokenRequestSpec, _cause: Cause): Promise<IssuedToken> {
    const resource = this.resource('ServiceAccount');
    this.authorize({ verb: 'create', resource, subresource: 'token', namespace, name: serviceAccount });
    try {
      if (!this.tokens) throw ApiError.notFoundPath();
      const answer = issueTokenRequest(this.tokens, this.projector, namespace, serviceAccount, spec);
      return { token: answer.status.token, expirationTimestamp: answer.status.expirationTimestamp };
    } catch (err) {
      if (err instanceof ApiError) throw new ClientError(err.code, err.reason, err.message);
      throw err;
    }
  }

  async getObject(kind: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    const resource = this.resource(kind);
    this.authorize({ verb: 'get', resource, namespace, name });
    return this.open(this.projector.state.getByStream(streamName(kind, resource.namespaced ? namespace : undefined, name)));
  }

  async listObjects(kind: string, options: ClientListOptions = {}): Promise<{ items: KubeObject[]; position: number }> {
    const resource = this.resource(kind);
    const namespace = resource.namespaced ? options.namespace : undefined;
    this.authorize({ verb: 'list', resource, namespace });
    const state = this.projector.state;
    const items = state.list(kind, { namespace, ...(kind === 'Pod' && options.nodeName !== undefined ? { nodeName: options.nodeName } : {}) });
    return { items: kind === 'Secret' ? items.map((o) => this.open(o)!) : items, position: state.position };
  }

  async getScale(kind: string, namespace: string, name: string): Promise<KubeObject> {
    const resource = this.scalable(kind);
    this.authorize({ verb: 'get', resource, subresource: 'scale', namespace, name });
    const obj = this.projector.state.getByStream(streamName(kind, namespace, name));
    if (!obj) throw new ClientError(404, 'NotFound', `${resource.plural}.${resource.group} "${name}" not found`);
    return scaleOf(resource, obj);
  }

  async updateScale(kind: string, scale: KubeObject, cause: Cause): Promise<KubeObject> {
    const resource = this.scalable(kind);
    const { namespace, name, resourceVersion } = scale.metadata;
    this.authorize({ verb: 'update', resource, subresource: 'scale', namespace, name });
    const command: WriteCommand = { type: 'Scale', resource, replicas: scale.spec?.replicas, resourceVersion: resourceVersion || undefined };
    return scaleOf(resource, await this.run(resource, namespace, name!, command, cause));
  }

  /** The same PodMetrics `GET /apis/metrics.k8s.io/v1beta1/namespaces/<ns>/pods` answers. */
  async podMetrics(namespace: string, labelSelector?: string): Promise<KubeObject[]> {
    this.authorize({ verb: 'list', apiGroup: 'metrics.k8s.io', resource: 'pods', namespace });
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
    this.authorize({ verb: 'create', resource, subresource: 'binding', namespace, name });
    await this.run(resource, namespace, name, { type: 'Bind', resource, nodeName, resourceVersion }, cause);
  }

  async listAll(kinds: readonly string[]): Promise<{ items: KubeObject[]; position: number }> {
    for (const kind of kinds) this.authorize({ verb: 'list', resource: this.resource(kind) });
    const state = this.projector.state;
    return { items: kinds.flatMap((k) => (k === 'Secret' ? state.list(k).map((o) => this.open(o)!) : state.list(k))), position: state.position };
  }

  /** Secrets leave the projection sealed; components get them opened, as over HTTPS. */
  private open(obj: KubeObject | undefined): KubeObject | undefined {
    return this.writer.secrets?.open(obj) ?? obj;
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

  /**
   * Authorization: every call of this client passes here with what it asks, as the HTTP path
   * authorizes every request before routing it, and refuses with the same 403.
   */
  private authorize(request: { verb: string; resource: ResourceInfo | string; apiGroup?: string; subresource?: string; namespace?: string; name?: string }): void {
    const { resource } = request;
    const attributes: RequestAttributes = {
      user: this.user,
      verb: request.verb,
      resourceRequest: true,
      apiGroup: typeof resource === 'string' ? (request.apiGroup ?? '') : resource.group,
      resource: typeof resource === 'string' ? resource : resource.plural,
      subresource: request.subresource,
      namespace: typeof resource === 'string' || resource.namespaced ? request.namespace : undefined,
      name: request.name,
    };
    const decision = this.authorizer.authorize(attributes);
    if (decision.allowed) return;
    const refused = forbidden(attributes, decision.reason);
    throw new ClientError(refused.code, refused.reason, refused.message);
  }

  private async run(resource: ResourceInfo, namespace: string | undefined, name: string, command: WriteCommand, cause: Cause, options: ClientWriteOptions = {}): Promise<KubeObject> {
    const caller: Caller = { actor: this.user.name, user: this.user, correlationId: cause.correlationId ?? randomUUID(), causationId: cause.causationId };
    try {
      const result = await this.writer.write(resource, resource.namespaced ? namespace : undefined, name, command, caller, { dryRun: options.dryRun });
      // Admission's warnings are for people; a component has no one to show them to.
      return (result.object ?? result.before)!;
    } catch (err) {
      if (err instanceof ApiError) throw new ClientError(err.code, err.reason, err.message);
      throw err;
    }
  }
}
