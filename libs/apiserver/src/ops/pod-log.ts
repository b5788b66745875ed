import { request } from 'node:http';
import { ApiError, streamName } from '@logbook/kube';
import type { RequestContext } from './context';
import { nodeAgentEndpoint } from './node-agent-endpoint';
import { currentObject } from './read';

const FORWARDED = ['follow', 'tailLines', 'sinceSeconds', 'timestamps', 'previous', 'limitBytes'];

/**
 * `pods/<name>/log`: proxied to the node agent that runs the pod (its read-only port's
 * `/containerLogs/<ns>/<pod>/<container>`), as kube-apiserver proxies to the kubelet. The node's
 * address is its InternalIP and `status.daemonEndpoints.kubeletEndpoint.Port`. Headers are
 * flushed at once, so `kubectl logs -f` shows lines as they come.
 */
export async function podLog(ctx: RequestContext): Promise<void> {
  const pod = currentObject(ctx);
  const name = pod.metadata.name!;
  const containers: any[] = pod.spec?.containers ?? [];
  const container = ctx.query.get('container') ?? containers[0]?.name;
  const all = [...containers, ...(pod.spec?.initContainers ?? [])];
  if (!all.some((c) => c.name === container)) throw ApiError.badRequest(`container ${container} is not valid for pod ${name}`);
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) throw ApiError.badRequest(`pod "${name}" is not scheduled to a node yet, so it has no logs`);
  const node = ctx.deps.projector.state.getByStream(streamName('Node', undefined, nodeName));
  const endpoint = nodeAgentEndpoint(node);
  if (!endpoint) {
    throw ApiError.badRequest(`pod "${name}" runs on node "${nodeName}", which has no node agent endpoint serving container logs`);
  }
  const query = new URLSearchParams();
  for (const k of FORWARDED) {
    const v = ctx.query.get(k);
    if (v !== null) query.set(k, v);
  }
  const path = `/containerLogs/${encodeURIComponent(pod.metadata.namespace!)}/${encodeURIComponent(name)}/${encodeURIComponent(container)}?${query}`;
  await new Promise<void>((resolve, reject) => {
    const upstream = request({ host: endpoint.host, port: endpoint.port, path, method: 'GET' }, (res) => {
      const code = res.statusCode ?? 502;
      if (code >= 400) {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          let message = Buffer.concat(chunks).toString('utf8');
          try {
            message = JSON.parse(message).message ?? message;
          } catch {
            // plain text
          }
          reject(new ApiError(code === 404 ? 404 : 400, code === 404 ? 'NotFound' : 'BadRequest', message));
        });
        return;
      }
      ctx.res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
      ctx.res.flushHeaders();
      res.pipe(ctx.res);
      res.on('end', resolve);
      res.on('error', resolve);
    });
    // The client went away (kubectl logs -f interrupted): stop following upstream too.
    ctx.res.on('close', () => upstream.destroy());
    upstream.on('error', (err) => {
      if (ctx.res.headersSent) return resolve();
      reject(new ApiError(502, 'ServiceUnavailable', `cannot reach the node agent of node "${nodeName}" at ${endpoint.host}:${endpoint.port}: ${err.message}`));
    });
    upstream.end();
  });
}
