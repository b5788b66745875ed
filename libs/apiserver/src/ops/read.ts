import { ApiError, type KubeObject, toTable, streamName } from '@logbook/kube';
import { sendJson } from '../http/respond';
import { qualifiedName } from '../resource-names';
import { type RequestContext, withTypeMeta, wantsTable, selectorPredicate, scopeNamespace } from './context';

export function currentObject(ctx: RequestContext): KubeObject {
  const { resource, namespace, name } = ctx.path;
  const obj = ctx.deps.projector.state.getByStream(streamName(resource.kind, resource.namespaced ? namespace : undefined, name!));
  if (!obj) throw ApiError.notFound(qualifiedName(resource), name!, resource.group);
  return obj;
}

export function getObject(ctx: RequestContext): void {
  const obj = withTypeMeta(ctx.path.resource, currentObject(ctx));
  if (wantsTable(ctx)) {
    sendJson(ctx.res, 200, toTable(ctx.path.resource.kind, [obj], { now: ctx.deps.clock(), resourceVersion: obj.metadata.resourceVersion!, includeObject: true }));
    return;
  }
  sendJson(ctx.res, 200, obj);
}

interface ContinueToken {
  readonly rv: string;
  readonly after: string;
}

/**
 * Lists from the live projection. `limit`/`continue` page by namespace/name; a continued page
 * reports the resourceVersion of the first page, so a client's follow-up watch misses nothing.
 */
export function listObjects(ctx: RequestContext): void {
  const { resource } = ctx.path;
  const state = ctx.deps.projector.state;
  const predicate = selectorPredicate(ctx);
  const token = decodeContinue(ctx.query.get('continue'));
  const limit = Number(ctx.query.get('limit') ?? 0);
  const fieldSel = ctx.query.get('fieldSelector') ?? '';
  const nodeName = /(?:^|,)spec\.nodeName==?([^,]*)/.exec(fieldSel)?.[1];
  let items = state
    .list(resource.kind, { namespace: scopeNamespace(ctx), ...(resource.kind === 'Pod' && nodeName !== undefined ? { nodeName } : {}) })
    .filter(predicate);
  if (token) items = items.filter((o) => sortKey(o) > token.after);
  const resourceVersion = token?.rv ?? String(state.position);
  let cont: string | undefined;
  if (limit > 0 && items.length > limit) {
    items = items.slice(0, limit);
    cont = Buffer.from(JSON.stringify({ rv: resourceVersion, after: sortKey(items[items.length - 1]) })).toString('base64url');
  }
  const typed = items.map((o) => withTypeMeta(resource, o));
  if (wantsTable(ctx)) {
    const table = toTable(resource.kind, typed, { now: ctx.deps.clock(), resourceVersion, includeObject: true }) as any;
    if (cont) table.metadata.continue = cont;
    sendJson(ctx.res, 200, table);
    return;
  }
  sendJson(ctx.res, 200, {
    kind: `${resource.kind}List`,
    apiVersion: resource.group ? `${resource.group}/${resource.version}` : resource.version,
    metadata: { resourceVersion, ...(cont ? { continue: cont } : {}) },
    items: typed,
  });
}

function sortKey(o: KubeObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

function decodeContinue(value: string | null): ContinueToken | undefined {
  if (!value) return undefined;
  try {
    const token = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as ContinueToken;
    if (typeof token.rv !== 'string' || typeof token.after !== 'string') throw new Error('shape');
    return token;
  } catch {
    throw ApiError.badRequest('invalid continue token: list again without it');
  }
}
