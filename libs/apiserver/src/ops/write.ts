import type { ServerResponse } from 'node:http';
import { addAuditAnnotations } from '../audit-log/capture';
import type { KubeObject } from '@logbook/kube';
import { sendJson } from '../http/respond';
import type { WriteCommand } from '../write/commands';
import type { WriteResult } from '../write/cluster-writer';
import { type RequestContext, withTypeMeta, writeOptions } from './context';
import { readObjectBody } from './object-body';

/**
 * Runs a write command for the object the request names and answers with the stored object.
 * Admission (generateName, namespace lifecycle, defaults, Service addresses…) happens in the
 * writer, so the in-process client gets exactly the same checks.
 */
export async function runWrite(ctx: RequestContext, name: string, command: WriteCommand, code = 200): Promise<KubeObject | undefined> {
  const { resource, namespace } = ctx.path;
  const result = await ctx.deps.writer.write(resource, namespace, name, command, ctx.caller, writeOptions(ctx));
  sendWarnings(ctx.res, result);
  const shown = result.object ?? result.before;
  if (shown) sendJson(ctx.res, code, withTypeMeta(resource, shown, ctx.path.version));
  return result.object;
}

/**
 * Admission's warnings as kube-apiserver sends them: one `Warning: 299 - "<text>"` header each
 * (RFC 7234 warn-code 299, agent `-`), which kubectl prints as `Warning: <text>`. Its audit
 * annotations go to the request's audit event.
 */
export function sendWarnings(res: ServerResponse, result: Pick<WriteResult, 'warnings' | 'auditAnnotations'>): void {
  addAuditAnnotations(res.req, result.auditAnnotations);
  if (result.warnings.length === 0) return;
  res.setHeader('Warning', result.warnings.map((text) => `299 - "${text.replace(/[\\"]/g, (c) => '\\' + c).replace(/[\r\n]+/g, ' ')}"`));
}

export async function createObject(ctx: RequestContext): Promise<void> {
  const obj = await readObjectBody(ctx);
  await createFromBody(ctx, obj);
}

export async function createFromBody(ctx: RequestContext, obj: KubeObject): Promise<void> {
  await runWrite(ctx, obj.metadata.name ?? '', { type: 'Create', resource: ctx.path.resource, object: obj }, 201);
}

export async function replaceObject(ctx: RequestContext): Promise<void> {
  const obj = await readObjectBody(ctx);
  const { resource } = ctx.path;
  const type = ctx.path.subresource === 'status' ? 'UpdateStatus' : ctx.path.subresource === 'approval' ? 'UpdateApproval' : 'Update';
  await runWrite(ctx, ctx.path.name!, { type, resource, object: obj });
}
