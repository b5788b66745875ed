import { ApiError, type KubeObject } from '@logbook/kube';
import { readBody, parseJson } from '../http/body';
import { sendJson } from '../http/respond';
import type { PropagationPolicy, WriteCommand } from '../write/commands';
import { type RequestContext, withTypeMeta, selectorPredicate, scopeNamespace, writeOptions } from './context';
import { currentObject } from './read';
import { podNodeReady } from '../write/node-readiness';
import { sendWarnings } from './write';

export interface DeleteOptions {
  dryRun?: string[];
  gracePeriodSeconds?: number;
  propagationPolicy?: PropagationPolicy;
  preconditions?: { uid?: string; resourceVersion?: string };
}

async function readDeleteOptions(ctx: RequestContext): Promise<DeleteOptions> {
  const body = await readBody(ctx.req);
  const opts: DeleteOptions = body.length ? parseJson(body) ?? {} : {};
  const grace = ctx.query.get('gracePeriodSeconds');
  if (grace !== null) opts.gracePeriodSeconds = Number(grace);
  const policy = ctx.query.get('propagationPolicy');
  if (policy) opts.propagationPolicy = policy as PropagationPolicy;
  return checkDeleteOptions(opts);
}

/** The DeleteOptions checks shared by DELETE and the eviction subresource. */
export function checkDeleteOptions(opts: DeleteOptions): DeleteOptions {
  if (opts.propagationPolicy && !['Orphan', 'Background', 'Foreground'].includes(opts.propagationPolicy)) {
    throw ApiError.badRequest(`propagationPolicy must be Orphan, Background or Foreground, not "${opts.propagationPolicy}"`);
  }
  return opts;
}

export function deleteCommand(ctx: RequestContext, opts: DeleteOptions, target: KubeObject | undefined): WriteCommand {
  const nodeReady = podNodeReady(ctx.deps.projector.state, target);
  return { type: 'Delete', resource: ctx.path.resource, gracePeriodSeconds: opts.gracePeriodSeconds, propagationPolicy: opts.propagationPolicy, preconditions: opts.preconditions, ...(nodeReady !== undefined ? { nodeReady } : {}) };
}

export async function deleteObject(ctx: RequestContext): Promise<void> {
  const opts = await readDeleteOptions(ctx);
  const existing = currentObject(ctx);
  const options = writeOptions(ctx, opts.dryRun);
  const result = await ctx.deps.writer.write(ctx.path.resource, ctx.path.namespace, ctx.path.name!, deleteCommand(ctx, opts, existing), ctx.caller, options);
  if (ctx.path.resource.kind === 'Namespace' && result.changed && result.object && ctx.deps.namespaces) void ctx.deps.namespaces.finalize(ctx.path.name!, ctx.caller);
  sendWarnings(ctx.res, result);
  sendJson(ctx.res, 200, withTypeMeta(ctx.path.resource, result.object ?? existing, ctx.path.version));
}

export async function deleteCollection(ctx: RequestContext): Promise<void> {
  const opts = await readDeleteOptions(ctx);
  const { resource } = ctx.path;
  const victims = ctx.deps.projector.state.list(resource.kind, { namespace: scopeNamespace(ctx) }).filter(selectorPredicate(ctx));
  const options = writeOptions(ctx, opts.dryRun);
  const deleted: KubeObject[] = [];
  const warnings: string[] = [];
  for (const obj of victims) {
    const result = await ctx.deps.writer.write(resource, obj.metadata.namespace, obj.metadata.name!, deleteCommand(ctx, opts, obj), ctx.caller, options);
    if (resource.kind === 'Namespace' && result.changed && result.object && ctx.deps.namespaces) void ctx.deps.namespaces.finalize(obj.metadata.name!, ctx.caller);
    // result.before rather than obj: the writer answers with Secrets opened, the projection holds them sealed.
    deleted.push(withTypeMeta(resource, result.object ?? result.before ?? obj, ctx.path.version));
    warnings.push(...result.warnings);
  }
  sendWarnings(ctx.res, { warnings });
  sendJson(ctx.res, 200, {
    kind: `${resource.kind}List`,
    apiVersion: resource.group ? `${resource.group}/${ctx.path.version}` : ctx.path.version,
    metadata: { resourceVersion: String(ctx.deps.projector.state.position) },
    items: deleted,
  });
}

