import type { ServerResponse } from 'node:http';
import { ApiError, resolveResource, streamName } from '@logbook/kube';
import { sendJson } from '../http/respond';
import { explainStream } from '../history/explain';
import type { ApiDeps } from './context';

/** GET /apis/logbook.io/v1/explain?kind=pod&namespace=ns&name=web-7d4-x2x9k */
export async function serveExplain(deps: ApiDeps, query: URLSearchParams, res: ServerResponse): Promise<void> {
  const kindParam = query.get('kind');
  const name = query.get('name');
  if (!kindParam || !name) throw ApiError.badRequest('explain needs ?kind=<kind>&name=<name>[&namespace=<ns>]');
  const resource = resolveResource(kindParam);
  if (!resource) throw ApiError.badRequest(`unknown kind "${kindParam}": use a kind, plural or short name such as deployment, pods or svc`);
  const stream = streamName(resource.kind, resource.namespaced ? query.get('namespace') || 'default' : undefined, name);
  const explanation = await explainStream(deps.store, stream);
  if (!explanation) throw new ApiError(404, 'NotFound', `${resource.plural} "${name}" was never created${resource.namespaced ? ` in namespace "${query.get('namespace') || 'default'}"` : ''}`);
  const live = deps.projector.state.getByStream(stream);
  sendJson(res, 200, { kind: 'Explanation', apiVersion: 'logbook.io/v1', stream, exists: !!live, ...explanation });
}
