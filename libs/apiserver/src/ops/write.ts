import { randomInt } from 'node:crypto';
import { ApiError, type KubeObject, streamName } from '@logbook/kube';
import { sendJson } from '../http/respond';
import type { WriteCommand } from '../write/commands';
import { serviceAllocatorFor } from '../write/cluster-ip';
import { withDefaultIngressClass } from '../write/default-ingress-class';
import { type RequestContext, withTypeMeta, writeOptions } from './context';
import { readObjectBody } from './object-body';

const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

/** Runs a write command for the object the request names and answers with the stored object. */
export async function runWrite(ctx: RequestContext, name: string, command: WriteCommand, code = 200): Promise<KubeObject | undefined> {
  const { resource, namespace } = ctx.path;
  const options = writeOptions(ctx);
  // Service addresses need state (what other Services hold), so they are chosen here and the decider stays pure.
  const result = await serviceAllocatorFor(ctx.deps.projector).run(namespace, name, command, (cmd) => ctx.deps.writer.write(resource, namespace, name, cmd, ctx.caller, options));
  const shown = result.object ?? result.before;
  if (shown) sendJson(ctx.res, code, withTypeMeta(resource, shown, ctx.path.version));
  return result.object;
}

export async function createObject(ctx: RequestContext): Promise<void> {
  const obj = await readObjectBody(ctx);
  await createFromBody(ctx, obj);
}

export async function createFromBody(ctx: RequestContext, obj: KubeObject): Promise<void> {
  const { resource, namespace } = ctx.path;
  if (!obj.metadata.name && obj.metadata.generateName) {
    obj.metadata.name = obj.metadata.generateName + Array.from({ length: 5 }, () => NAME_CHARS[randomInt(NAME_CHARS.length)]).join('');
  }
  if (!obj.metadata.name) {
    throw ApiError.invalid(resource.kind, '', [{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }], resource.group);
  }
  if (resource.namespaced) requireActiveNamespace(ctx, namespace);
  const admitted = resource.kind === 'Ingress' ? withDefaultIngressClass(obj, ctx.deps.projector.state.list('IngressClass', {})) : obj;
  await runWrite(ctx, obj.metadata.name, { type: 'Create', resource, object: admitted }, 201);
}

export async function replaceObject(ctx: RequestContext): Promise<void> {
  const obj = await readObjectBody(ctx);
  const { resource } = ctx.path;
  const type = ctx.path.subresource === 'status' ? 'UpdateStatus' : ctx.path.subresource === 'approval' ? 'UpdateApproval' : 'Update';
  await runWrite(ctx, ctx.path.name!, { type, resource, object: obj });
}

function requireActiveNamespace(ctx: RequestContext, namespace: string | undefined): void {
  if (!namespace) throw ApiError.badRequest('a namespaced resource needs a namespace in the path');
  const ns = ctx.deps.projector.state.getByStream(streamName('Namespace', undefined, namespace));
  if (!ns) throw ApiError.notFound('namespaces', namespace);
  if (ns.metadata.deletionTimestamp) {
    throw ApiError.forbidden(`unable to create new content in namespace ${namespace} because it is being terminated`);
  }
}
