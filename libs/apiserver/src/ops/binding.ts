import { ApiError } from '@logbook/kube';
import { readBody, parseJson } from '../http/body';
import { sendJson } from '../http/respond';
import { type RequestContext, writeOptions } from './context';
import { sendWarnings } from './write';

/** POST pods/<name>/binding: the scheduler's write. A resourceVersion in the body is a precondition. */
export async function bindPod(ctx: RequestContext): Promise<void> {
  const body = parseJson(await readBody(ctx.req));
  const nodeName = body?.target?.name;
  if (typeof nodeName !== 'string' || !nodeName) {
    throw ApiError.invalid('Binding', ctx.path.name!, [{ reason: 'FieldValueRequired', field: 'target.name', message: 'Required value' }]);
  }
  const result = await ctx.deps.writer.write(ctx.path.resource, ctx.path.namespace, ctx.path.name!, {
    type: 'Bind',
    resource: ctx.path.resource,
    nodeName,
    resourceVersion: body?.metadata?.resourceVersion || undefined,
  }, ctx.caller, writeOptions(ctx));
  sendWarnings(ctx.res, result);
  sendJson(ctx.res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}
