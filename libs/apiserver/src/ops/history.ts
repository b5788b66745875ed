import type { ServerResponse } from 'node:http';
import { ApiError, parseStreamName, resolveResource, resourceByKind } from '@logbook/kube';
import { sendJson } from '../http/respond';
import { type ObjectView, objectHistory, uidHistory } from '../history/history';
import type { User } from '../identity/token-file';
import { mayGet, secretForView } from '../secrets/secret-ops';
import { forbidden } from '../authz/forbidden';
import { resolveRange } from '../history/points';
import type { ApiDeps } from './context';

/**
 * GET /apis/logbook.io/v1/history?kind=deployment&namespace=ns&name=web[&since=2h][&until=…]
 * or ?uid=<uid> (finds the object's stream by its uid, also once deleted).
 */
export async function serveHistory(deps: ApiDeps, user: User, query: URLSearchParams, res: ServerResponse): Promise<void> {
  const kind = query.get('kind');
  const name = query.get('name');
  const uid = query.get('uid');
  if (!uid && (!kind || !name)) throw ApiError.badRequest('history needs ?kind=<kind>&name=<name>[&namespace=<ns>] or ?uid=<uid>');
  const range = await resolveRange(deps.store, query.get('since'), query.get('until'), deps.clock());
  const meta = { resourceVersion: String(deps.projector.state.position) };
  // Only objects the caller may get; Secret values only opened for them (docs/security.md).
  const view: ObjectView = (o) => secretForView(deps, user, o);
  if (uid) {
    const found = await uidHistory(deps.store, uid, range, view);
    if (!found) throw new ApiError(404, 'NotFound', `no object with uid "${uid}" was ever created`);
    const obj = parseStreamName(found.stream);
    checkMayGet(deps, user, obj.kind, obj.namespace, obj.name);
    return sendJson(res, 200, { kind: 'HistoryList', apiVersion: 'logbook.io/v1', metadata: meta, stream: found.stream, items: found.entries });
  }
  const resource = resolveResource(kind!);
  if (resource) checkMayGet(deps, user, resource.kind, query.get('namespace') ?? 'default', name!);
  const items = await objectHistory(deps.store, kind!, query.get('namespace') ?? undefined, name!, range, view);
  sendJson(res, 200, { kind: 'HistoryList', apiVersion: 'logbook.io/v1', metadata: meta, items });
}

function checkMayGet(deps: ApiDeps, user: User, kind: string, namespace: string | undefined, name: string): void {
  if (mayGet(deps, user, kind, namespace, name)) return;
  const resource = resourceByKind(kind);
  throw forbidden({ user, verb: 'get', resourceRequest: true, apiGroup: resource?.group ?? '', resource: resource?.plural ?? kind, namespace: resource?.namespaced ? namespace : undefined, name });
}
