import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '@logbook/kube';
import { matchesAudit, parseAuditFilter, toAuditEntry } from '../history/audit';
import type { ApiDeps } from './context';

/**
 * GET /apis/logbook.io/v1/tail?user=&kind=&namespace=&verb=[&after=<rv>] — follows new writes
 * as newline-delimited audit entries over a chunked response, from the head (or after `after`).
 * Headers are flushed at once so a client knows the stream is open before the first write.
 */
export async function serveTail(deps: ApiDeps, query: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const filter = parseAuditFilter(query);
  const head = await deps.store.headPosition();
  const afterText = query.get('after');
  const after = afterText ? Number(afterText) : head;
  if (!Number.isInteger(after) || after < 0 || after > head) throw ApiError.badRequest(`invalid after "${afterText}": expected a resourceVersion from 0 to ${head}`);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache' });
  res.flushHeaders();
  const sub = deps.store.subscribeAll(after, (event) => {
    if (!res.writableEnded && matchesAudit(event, filter)) res.write(JSON.stringify(toAuditEntry(event)) + '\n');
  });
  const finish = () => {
    void sub.close();
    if (!res.writableEnded) res.end();
  };
  res.on('close', finish);
  req.on('close', finish);
}
