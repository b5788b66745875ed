import type { ServerResponse } from 'node:http';
import { ApiError } from '@logbook/kube';
import { sendJson } from '../http/respond';
import { auditPage, parseAuditFilter } from '../history/audit';
import { resolveRange } from '../history/points';
import type { ApiDeps } from './context';

const MAX_LIMIT = 5000;

/**
 * GET /apis/logbook.io/v1/audit?user=&kind=&namespace=&verb=&since=&until=&limit=&continue=
 * Writes newest first. The continue token pins the upper bound, so paging never repeats or
 * skips an entry while the log grows.
 */
export async function serveAudit(deps: ApiDeps, query: URLSearchParams, res: ServerResponse): Promise<void> {
  const filter = parseAuditFilter(query);
  const limitText = query.get('limit');
  const limit = limitText ? Number(limitText) : 500;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw ApiError.badRequest(`invalid limit "${limitText}": expected an integer from 1 to ${MAX_LIMIT}`);
  const range = await resolveRange(deps.store, query.get('since'), query.get('until'), deps.clock());
  let before = range.to + 1;
  const token = query.get('continue');
  if (token) {
    const decoded = Number(Buffer.from(token, 'base64url').toString('utf8').replace(/^before:/, ''));
    if (!Number.isInteger(decoded) || decoded < 1) throw ApiError.badRequest('invalid continue token: list again without it');
    before = Math.min(before, decoded);
  }
  const page = await auditPage(deps.store, filter, { after: range.after, before }, limit);
  sendJson(res, 200, {
    kind: 'AuditList',
    apiVersion: 'logbook.io/v1',
    metadata: {
      resourceVersion: String(range.to),
      ...(page.next ? { continue: Buffer.from(`before:${page.next}`).toString('base64url') } : {}),
    },
    items: page.items,
  });
}
