import { randomUUID } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { type Cause, ClientError, type ClientListOptions, type ClientWriteOptions, type ClusterClient, type DeleteOptions, type IssuedToken, type TokenRequestSpec } from '@logbook/components';
import { type KubeObject, type ResourceInfo, apiVersionOf, resourceByKind } from '@logbook/kube';

export interface HttpClusterClientOptions {
  /** e.g. `https://127.0.0.1:6443` */
  readonly server: string;
  readonly token?: string;
  /** PEM of the CA that signed the API server's certificate. */
  readonly ca?: string | Buffer;
  /** PEM client certificate and key: the component's x509 identity (CN = user, O = groups). */
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  readonly insecure?: boolean;
  /** Per request; default 30 s. */
  readonly timeoutMs?: number;
}

/**
 * A component's ClusterClient over HTTPS (distributed mode): bearer token, the cause as
 * `X-Logbook-Causation-Id` / `X-Request-Id` headers (the API server takes the latter as the
 * correlationId), failures as ClientErrors carrying the `Status` code, reason and message.
 */
export class HttpClusterClient implements ClusterClient {
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly https: boolean;

  constructor(private readonly o: HttpClusterClientOptions) {
    this.https = new URL(o.server).protocol === 'https:';
    // Keep-alive: components write in bursts (a scheduler binds thousands of pods a second).
    this.agent = this.https ? new HttpsAgent({ keepAlive: true, maxSockets: 64, ca: o.ca, ...(o.cert && o.key ? { cert: o.cert, key: o.key } : {}), rejectUnauthorized: !o.insecure }) : new HttpAgent({ keepAlive: true, maxSockets: 64 });
  }

  async create(obj: KubeObject, cause: Cause, options: ClientWriteOptions = {}): Promise<KubeObject> {
    const r = this.resource(obj.kind);
    return this.send('POST', collectionPath(r, obj.metadata.namespace) + dryRunQuery(options), cause, withTypeMeta(r, obj));
  }

  async update(obj: KubeObject, cause: Cause, options: ClientWriteOptions = {}): Promise<KubeObject> {
    const r = this.resource(obj.kind);
    return this.send('PUT', objectPath(r, obj.metadata.namespace, obj.metadata.name!) + dryRunQuery(options), cause, withTypeMeta(r, obj));
  }

  async updateStatus(obj: KubeObject, cause: Cause): Promise<KubeObject> {
    const r = this.resource(obj.kind);
    return this.send('PUT', objectPath(r, obj.metadata.namespace, obj.metadata.name!) + '/status', cause, withTypeMeta(r, obj));
  }

  /** certificatesigningrequests/<name>/approval (the CSR approver). */
  async updateApproval(obj: KubeObject, cause: Cause): Promise<KubeObject> {
    const r = this.resource(obj.kind);
    return this.send('PUT', objectPath(r, undefined, obj.metadata.name!) + '/approval', cause, withTypeMeta(r, obj));
  }

  async delete(kind: string, namespace: string | undefined, name: string, options: DeleteOptions): Promise<void> {
    const r = this.resource(kind);
    const body = { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: options.propagationPolicy, preconditions: options.preconditions, gracePeriodSeconds: options.gracePeriodSeconds };
    await this.send('DELETE', objectPath(r, namespace, name), options, body);
  }

  async bind(namespace: string, name: string, nodeName: string, resourceVersion: string, cause: Cause): Promise<void> {
    const r = this.resource('Pod');
    const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace, resourceVersion }, target: { apiVersion: 'v1', kind: 'Node', name: nodeName } };
    await this.send('POST', objectPath(r, namespace, name) + '/binding', cause, binding);
  }

  /**
   * One list per kind, each consistent at its own resourceVersion (a log position); the answer's
   * position is the smallest of them. The cache drops bus events at or below that position and
   * applies every later one: the events between the smallest and a larger list's position come
   * again and re-apply states that list already had (harmless — events carry whole objects and
   * later ones follow in order), whereas taking the largest would drop, for the kinds listed
   * earlier, changes that no list and no applied event contains.
   */
  async listAll(kinds: readonly string[]): Promise<{ items: KubeObject[]; position: number }> {
    const items: KubeObject[] = [];
    let position = Number.POSITIVE_INFINITY;
    for (const kind of kinds) {
      const r = this.resource(kind);
      const list = await this.send<any>('GET', collectionPath(r, undefined), {});
      for (const item of list.items ?? []) items.push(withTypeMeta(r, item));
      position = Math.min(position, Number(list.metadata?.resourceVersion ?? 0));
    }
    return { items, position: Number.isFinite(position) ? position : 0 };
  }

  async getObject(kind: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    const r = this.resource(kind);
    try {
      return withTypeMeta(r, await this.send('GET', objectPath(r, namespace, name), {}));
    } catch (err) {
      if (err instanceof ClientError && err.isNotFound) return undefined;
      throw err;
    }
  }

  async listObjects(kind: string, options: ClientListOptions = {}): Promise<{ items: KubeObject[]; position: number }> {
    const r = this.resource(kind);
    const query = r.kind === 'Pod' && options.nodeName !== undefined ? `?fieldSelector=${encodeURIComponent(`spec.nodeName=${options.nodeName}`)}` : '';
    const list = await this.send<any>('GET', collectionPath(r, options.namespace) + query, {});
    return { items: (list.items ?? []).map((o: KubeObject) => withTypeMeta(r, o)), position: Number(list.metadata?.resourceVersion ?? 0) };
  }

  async getScale(kind: string, namespace: string, name: string): Promise<KubeObject> {
    const r = this.resource(kind);
    return this.send('GET', objectPath(r, namespace, name) + '/scale', {});
  }

  async updateScale(kind: string, scale: KubeObject, cause: Cause): Promise<KubeObject> {
    const r = this.resource(kind);
    const body = { kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: scale.metadata, spec: { replicas: scale.spec?.replicas } };
    return this.send('PUT', objectPath(r, scale.metadata.namespace, scale.metadata.name!) + '/scale', cause, body);
  }

  async podMetrics(namespace: string, labelSelector?: string): Promise<KubeObject[]> {
    const query = labelSelector ? `?labelSelector=${encodeURIComponent(labelSelector)}` : '';
    const list = await this.send<any>('GET', `/apis/metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(namespace)}/pods${query}`, {});
    return list.items ?? [];
  }

  async requestToken(namespace: string, serviceAccount: string, spec: TokenRequestSpec, cause: Cause): Promise<IssuedToken> {
    const r = this.resource('ServiceAccount');
    const body = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: { name: serviceAccount, namespace }, spec };
    const answer = await this.send<any>('POST', objectPath(r, namespace, serviceAccount) + '/token', cause, body);
    return { token: answer.status?.token, expirationTimestamp: answer.status?.expirationTimestamp };
  }

  /** Releases pooled connections. */
  close(): void {
    this.agent.destroy();
  }

  private resource(kind: string): ResourceInfo {
    const r = resourceByKind(kind);
    if (!r) throw new ClientError(404, 'NotFound', `unknown kind ${kind}`);
    return r;
  }

  private send<T = KubeObject>(method: string, path: string, cause: Cause, body?: unknown): Promise<T> {
    const url = new URL(path, this.o.server);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string | number> = { Accept: 'application/json', 'X-Request-Id': cause.correlationId ?? randomUUID() };
    if (cause.causationId) headers['X-Logbook-Causation-Id'] = cause.causationId;
    if (this.o.token) headers.Authorization = `Bearer ${this.o.token}`;
    if (payload) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = payload.length;
    }
    const send = this.https ? httpsRequest : httpRequest;
    return this.sendOnce<T>(send, method, path, url, headers, payload).catch((err: RequestError) => {
      // A pooled keep-alive socket the server closed just as it was reused: the request never
      // reached the server, so it is sent again once, on a new socket (the remedy Node's docs give).
      if (err.reusedSocket && err.code === 'ECONNRESET') return this.sendOnce<T>(send, method, path, url, headers, payload);
      throw err;
    });
  }

  private sendOnce<T>(
    send: typeof httpRequest | typeof httpsRequest,
    method: string,
    path: string,
    url: URL,
    headers: Record<string, string | number>,
    payload: Buffer | undefined,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const req = send(url, { method, headers, agent: this.agent, timeout: this.o.timeoutMs ?? 30_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: any;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = { message: text };
          }
          const code = res.statusCode ?? 500;
          if (code >= 400) reject(new ClientError(parsed?.code ?? code, parsed?.reason ?? 'Unknown', parsed?.message ?? `${method} ${path}: HTTP ${code}`));
          else resolve(parsed as T);
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer from ${this.o.server} within ${this.o.timeoutMs ?? 30_000} ms`)));
      req.on('error', (err: NodeJS.ErrnoException) =>
        reject(
          Object.assign(new Error(`${method} ${url.pathname}: cannot reach the API server at ${this.o.server}: ${err.message}`, { cause: err }), {
            code: err.code,
            reusedSocket: req.reusedSocket,
          }),
        ),
      );
      req.end(payload);
    });
  }
}

/** A transport error, with what decides whether it may be retried. */
type RequestError = Error & { readonly code?: string; readonly reusedSocket?: boolean };

function dryRunQuery(options: ClientWriteOptions): string {
  return options.dryRun ? '?dryRun=All' : '';
}

function prefix(r: ResourceInfo): string {
  return r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
}

function collectionPath(r: ResourceInfo, namespace: string | undefined): string {
  const ns = r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${prefix(r)}${ns}/${r.plural}`;
}

function objectPath(r: ResourceInfo, namespace: string | undefined, name: string): string {
  return `${collectionPath(r, r.namespaced ? (namespace ?? 'default') : undefined)}/${encodeURIComponent(name)}`;
}

function withTypeMeta(r: ResourceInfo, obj: KubeObject): KubeObject {
  return obj.apiVersion && obj.kind ? obj : { ...obj, apiVersion: apiVersionOf(r), kind: r.kind };
}
