import type { IncomingMessage } from 'node:http';
import { request } from 'node:https';
import type { Duplex } from 'node:stream';
import { ApiError, type KubeObject, STREAMING_PORT_ANNOTATION, streamName } from '@logbook/kube';
import type { RequestContext } from './context';
import { currentObject } from './read';

/** Headers that describe the hop to us, not the request: the agent gets its own. */
const HOP_HEADERS = new Set(['authorization', 'host', 'content-length', 'transfer-encoding', 'proxy-authorization', 'keep-alive']);

/**
 * `pods/<name>/exec`, `pods/<name>/attach` and `pods/<name>/portforward`: an upgrade-aware proxy, as kube-apiserver's.
 * The user was authenticated here; the request goes on to the node agent's authenticated
 * streaming port (HTTPS, this server's client certificate of the cluster CA), and once the agent
 * answers 101 the two connections are spliced byte for byte, so SPDY or WebSocket is spoken
 * between kubectl and the agent. A refusal (bad container, no such stream protocol) comes back
 * as the agent's Status.
 */
export async function podStream(ctx: RequestContext, subresource: 'exec' | 'attach' | 'portforward'): Promise<void> {
  const upgrade = ctx.upgrade;
  if (!upgrade) throw ApiError.badRequest('Upgrade request required');
  const pod = currentObject(ctx);
  const name = pod.metadata.name!;
  const namespace = pod.metadata.namespace!;
  let path: string;
  if (subresource === 'exec' || subresource === 'attach') {
    const container = execContainer(pod, ctx.query.get('container'));
    const query = new URLSearchParams(ctx.query);
    query.delete('container');
    path = `/${subresource}/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/${encodeURIComponent(container)}?${query}`;
  } else {
    path = `/portForward/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}?${ctx.query}`;
  }
  const endpoint = streamingEndpoint(ctx, pod);
  const client = ctx.deps.nodeClient;
  if (!client) throw ApiError.internal('this API server has no client certificate for node agents');
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(ctx.req.headers)) if (v !== undefined && !HOP_HEADERS.has(k)) headers[k] = v;
  await new Promise<void>((resolve, reject) => {
    const upstream = request({ host: endpoint.address, port: endpoint.port, method: ctx.req.method, path, headers, cert: client.cert, key: client.key, rejectUnauthorized: false });
    upstream.on('upgrade', (res: IncomingMessage, agentSocket: Duplex, agentHead: Buffer) => {
      splice(ctx, upgrade, res, agentSocket, agentHead);
      resolve();
    });
    upstream.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => reject(relayedError(res.statusCode ?? 502, Buffer.concat(chunks).toString('utf8'))));
    });
    upstream.on('error', (err) =>
      reject(new ApiError(503, 'ServiceUnavailable', `cannot reach the node agent of node "${endpoint.nodeName}" at ${endpoint.address}:${endpoint.port}: ${err.message}`)),
    );
    upstream.end();
  });
}

/** kube-apiserver's choice: the named container, else the only one; init containers may be named too. */
function execContainer(pod: KubeObject, asked: string | null): string {
  const containers: { name: string }[] = pod.spec?.containers ?? [];
  const all = [...containers, ...(pod.spec?.initContainers ?? [])];
  const name = pod.metadata.name!;
  if (asked) {
    if (!all.some((c) => c.name === asked)) throw ApiError.badRequest(`container ${asked} is not valid for pod ${name}`);
    return asked;
  }
  if (containers.length === 1) return containers[0].name;
  throw ApiError.badRequest(`a container name must be specified for pod ${name}, choose one of: [${containers.map((c) => c.name).join(' ')}]`);
}

function streamingEndpoint(ctx: RequestContext, pod: KubeObject): { address: string; port: number; nodeName: string } {
  const name = pod.metadata.name!;
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) throw ApiError.badRequest(`pod "${name}" is not scheduled to a node yet`);
  const node = ctx.deps.projector.state.getByStream(streamName('Node', undefined, nodeName));
  const address = node?.status?.addresses?.find((a: any) => a.type === 'InternalIP')?.address;
  const port = Number(node?.metadata.annotations?.[STREAMING_PORT_ANNOTATION]);
  if (!address || !port || node?.metadata.labels?.['node.logbook.io/hollow'] === 'true') {
    throw ApiError.badRequest(
      `pod "${name}" runs on node "${nodeName}", which has no node agent streaming endpoint (a hollow node, or an agent started without the cluster CA): exec and port-forward need a node agent with processes`,
    );
  }
  return { address, port, nodeName };
}

/** The agent switched protocols: pass its 101 on, then copy bytes both ways until either side closes. */
function splice(ctx: RequestContext, upgrade: NonNullable<RequestContext['upgrade']>, res: IncomingMessage, agentSocket: Duplex, agentHead: Buffer): void {
  const client = upgrade.socket;
  ctx.res.statusCode = 101; // for the request metrics; the response object never writes
  const lines = [`HTTP/1.1 101 ${res.statusMessage || 'Switching Protocols'}`];
  for (let i = 0; i < res.rawHeaders.length; i += 2) lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
  client.write(lines.join('\r\n') + '\r\n\r\n');
  if (agentHead.length > 0) client.write(agentHead);
  if (upgrade.head.length > 0) agentSocket.write(upgrade.head);
  client.pipe(agentSocket);
  agentSocket.pipe(client);
  const end = () => {
    client.destroy();
    agentSocket.destroy();
  };
  client.on('error', end);
  agentSocket.on('error', end);
  client.on('close', end);
  agentSocket.on('close', end);
}

function relayedError(code: number, body: string): ApiError {
  let message = body.trim();
  let reason = code === 404 ? 'NotFound' : code === 403 ? 'Forbidden' : code >= 500 ? 'InternalError' : 'BadRequest';
  try {
    const status = JSON.parse(body);
    message = status.message ?? message;
    reason = status.reason ?? reason;
  } catch {
    // plain text
  }
  return new ApiError(code, reason, message);
}
