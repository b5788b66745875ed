import type { ServerResponse } from 'node:http';
import { ApiError } from '@logbook/kube';
import { sendJson } from '../http/respond';
import { objectHistory } from '../history/history';
import type { ApiDeps } from './context';

/** GET /apis/logbook.io/v1/history?kind=deployment&namespace=ns&name=web */
export async function serveHistory(deps: ApiDeps, query: URLSearchParams, res: ServerResponse): Promise<void> {
  const kind = query.get('kind');
  const name = query.get('name');
  if (!kind || !name) throw ApiError.badRequest('history needs ?kind=<kind>&name=<name>[&namespace=<ns>]');
  const items = await objectHistory(deps.store, kind, query.get('namespace') ?? undefined, name);
  sendJson(res, 200, { kind: 'HistoryList', apiVersion: 'logbook.io/v1', metadata: { resourceVersion: String(deps.projector.state.position) }, items });
}
