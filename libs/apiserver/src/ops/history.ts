import type { ServerResponse } from 'node:http';
import { ApiError } from '@logbook/kube';
import { sendJson } from '../http/respond';
import { objectHistory, uidHistory } from '../history/history';
import { resolveRange } from '../history/points';
import type { ApiDeps } from './context';

/**
 * GET /apis/logbook.io/v1/history?kind=deployment&namespace=ns&name=web[&since=2h][&until=…]
 * or ?uid=<uid> (finds the object's stream by its uid, also once deleted).
 */
export async function serveHistory(deps: ApiDeps, query: URLSearchParams, res: ServerResponse): Promise<void> {
  const kind = query.get('kind');
  const name = query.get('name');
  const uid = query.get('uid');
  if (!uid && (!kind || !name)) throw ApiError.badRequest('history needs ?kind=<kind>&name=<name>[&namespace=<ns>] or ?uid=<uid>');
  const range = await resolveRange(deps.store, query.get('since'), query.get('until'), deps.clock());
  const meta = { resourceVersion: String(deps.projector.state.position) };
  if (uid) {
    const found = await uidHistory(deps.store, uid, range);
    if (!found) throw new ApiError(404, 'NotFound', `no object with uid "${uid}" was ever created`);
    return sendJson(res, 200, { kind: 'HistoryList', apiVersion: 'logbook.io/v1', metadata: meta, stream: found.stream, items: found.entries });
  }
  const items = await objectHistory(deps.store, kind!, query.get('namespace') ?? undefined, name!, range);
  sendJson(res, 200, { kind: 'HistoryList', apiVersion: 'logbook.io/v1', metadata: meta, items });
}
