import { ApiError, type KubeObject, toTable, streamName } from '@logbook/kube';
import type { ClusterState } from '@logbook/projections';
import { sendJson } from '../http/respond';
import { qualifiedName } from '../resource-names';
import { type RequestContext, withTypeMeta, wantsTable, selectorPredicate, scopeNamespace } from './context';
import { readScope } from '../history/scope';
import { pastState } from './time-travel';

export function currentObject(ctx: RequestContext, state: ClusterState = ctx.deps.projector.state): KubeObject {
  const { resource, namespace, name } = ctx.path;
  const obj = state.getByStream(streamName(resource.kind, resource.namespaced ? namespace : undefined, name!));
  if (!obj) {
    const err = ApiError.notFound(qualifiedName(resource), name!, resource.group);
    if (state !== ctx.deps.projector.state) throw new ApiError(err.code, err.reason, `${err.message} as of resourceVersion ${state.position}`, err.details);
    throw err;
  }
  // Secrets are sealed in the projection; they are opened here, at the read boundary.
  return ctx.deps.writer.secrets?.open(obj) ?? obj;
}

/**
 * A get, of the live projection or, with `?asOf=<resourceVersion|RFC 3339 time|10m>`, of the
 * cluster as it was then (time travel: snapshot plus fold, see ops/time-travel.ts).
 */
export function getObject(ctx: RequestContext): void | Promise<void> {
  const asOf = ctx.query.get('asOf');
  const { resource, namespace, name } = ctx.path;
  if (asOf) return pastState(ctx.deps, asOf, 'asOf', readScope(resource, namespace, name)).then(({ state, time }) => getFrom(ctx, state, time));
  getFrom(ctx, ctx.deps.projector.state, ctx.deps.clock());
}

function getFrom(ctx: RequestContext, state: ClusterState, now: Date): void {
  const { resource, version } = ctx.path;
  const obj = currentObject(ctx, state);
  if (wantsTable(ctx)) {
    // Printers read the stored version, whatever version the URL named.
    sendJson(ctx.res, 200, toTable(resource.kind, [withTypeMeta(resource, obj)], { now, resourceVersion: obj.metadata.resourceVersion!, includeObject: true }));
    return;
  }
  sendJson(ctx.res, 200, withTypeMeta(resource, obj, version));
}

interface ContinueToken {
  readonly rv: string;
  readonly after: string;
}

/**
 * Lists from the live projection. `limit`/`continue` page by namespace/name; a continued page
 * reports the resourceVersion of the first page, so a client's follow-up watch misses nothing.
 */
export function listObjects(ctx: RequestContext): void | Promise<void> {
  const asOf = ctx.query.get('asOf');
  if (asOf) return pastState(ctx.deps, asOf, 'asOf', readScope(ctx.path.resource, scopeNamespace(ctx))).then(({ state, time }) => listFrom(ctx, state, time));
  listFrom(ctx, ctx.deps.projector.state, ctx.deps.clock());
}

function listFrom(ctx: RequestContext, state: ClusterState, now: Date): void {
  const { resource } = ctx.path;
  const predicate = selectorPredicate(ctx);
  const token = decodeContinue(ctx.query.get('continue'));
  const limit = Number(ctx.query.get('limit') ?? 0);
  const fieldSel = ctx.query.get('fieldSelector') ?? '';
  const nodeName = /(?:^|,)spec\.nodeName==?([^,]*)/.exec(fieldSel)?.[1];
  let items = state
    .list(resource.kind, { namespace: scopeNamespace(ctx), ...(resource.kind === 'Pod' && nodeName !== undefined ? { nodeName } : {}) })
    .filter(predicate);
  if (token) items = items.filter((o) => sortKey(o) > token.after);
  const vault = resource.kind === 'Secret' ? ctx.deps.writer.secrets : undefined;
  const resourceVersion = token?.rv ?? String(state.position);
  let cont: string | undefined;
  if (limit > 0 && items.length > limit) {
    items = items.slice(0, limit);
    cont = Buffer.from(JSON.stringify({ rv: resourceVersion, after: sortKey(items[items.length - 1]) })).toString('base64url');
  }
  if (vault) items = items.map((o) => vault.open(o));
  if (wantsTable(ctx)) {
    const table = toTable(resource.kind, items.map((o) => withTypeMeta(resource, o)), { now, resourceVersion, includeObject: true }) as any;
    if (cont) table.metadata.continue = cont;
    sendJson(ctx.res, 200, table);
    return;
  }
  sendJson(ctx.res, 200, {
    kind: `${resource.kind}List`,
    apiVersion: resource.group ? `${resource.group}/${ctx.path.version}` : ctx.path.version,
    metadata: { resourceVersion, ...(cont ? { continue: cont } : {}) },
    items: items.map((o) => withTypeMeta(resource, o, ctx.path.version)),
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
