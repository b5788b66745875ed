import { ApiError, type KubeObject, toTable } from '@logbook/kube';
import { type RequestContext, withTypeMeta, wantsTable, selectorPredicate, scopeNamespace } from './context';
import type { WatchEventType } from '../watch/watch-hub';

/**
 * A watch: newline-delimited JSON events over a chunked 200 response. Headers go out at once,
 * since kubectl's rollout status and delete --wait block until they arrive (KUBECTL.md §0).
 */
export function watchObjects(ctx: RequestContext): void {
  const { resource } = ctx.path;
  const { res, query, deps } = ctx;
  const predicate = selectorPredicate(ctx);
  const rvParam = query.get('resourceVersion') ?? '';
  const table = wantsTable(ctx);
  const state = deps.projector.state;

  let from: number | undefined;
  if (rvParam !== '' && rvParam !== '0') {
    from = Number(rvParam);
    if (!Number.isInteger(from) || from < 0) throw ApiError.badRequest(`invalid resourceVersion "${rvParam}"`);
  }

  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache' });
  res.flushHeaders();

  const write = (type: WatchEventType | 'BOOKMARK' | 'ERROR', object: unknown) => {
    if (!res.writableEnded) res.write(JSON.stringify({ type, object }) + '\n');
  };
  const vault = resource.kind === 'Secret' ? deps.writer.secrets : undefined;
  const render = (sealed: KubeObject) => {
    const obj = vault ? vault.open(sealed) : sealed;
    return table ? toTable(resource.kind, [withTypeMeta(resource, obj)], { now: deps.clock(), resourceVersion: obj.metadata.resourceVersion!, includeObject: true }) : withTypeMeta(resource, obj, ctx.path.version);
  };

  if (from !== undefined && !deps.hub.canResumeFrom(from)) {
    write('ERROR', new ApiError(410, 'Expired', `too old resource version: ${from} (${state.position})`).toStatus());
    res.end();
    return;
  }
  if (from === undefined) {
    // resourceVersion "" or "0": start with a synthetic ADDED for every current match.
    for (const obj of state.list(resource.kind, { namespace: scopeNamespace(ctx) }).filter(predicate)) write('ADDED', render(obj));
  }
  let lastRv = from ?? state.position;
  const stop = deps.hub.watch({ kind: resource.kind, namespace: scopeNamespace(ctx), matches: predicate }, from, (type, obj, position) => {
    lastRv = position;
    write(type, render(obj));
  });

  const timers: NodeJS.Timeout[] = [];
  if (query.get('allowWatchBookmarks') === 'true') {
    timers.push(
      setInterval(() => {
        lastRv = Math.max(lastRv, state.position);
        write('BOOKMARK', { kind: resource.kind, apiVersion: resource.group ? `${resource.group}/${ctx.path.version}` : ctx.path.version, metadata: { resourceVersion: String(lastRv) } });
      }, deps.bookmarkIntervalMs),
    );
  }
  const timeoutSeconds = Number(query.get('timeoutSeconds') ?? 0);
  const finish = () => {
    stop();
    timers.forEach(clearInterval);
    if (!res.writableEnded) res.end();
  };
  if (timeoutSeconds > 0) timers.push(setTimeout(finish, timeoutSeconds * 1000));
  res.on('close', finish);
  ctx.req.on('close', finish);
}
