import { ApiError, type KubeObject, type ResourceInfo, labelSelectorToString } from '@logbook/kube';
import { sendJson } from '../http/respond';
import { readBody, parseJson } from '../http/body';
import { type RequestContext, writeOptions } from './context';
import { currentObject } from './read';
import { sendWarnings } from './write';

/** The autoscaling/v1 Scale view of a Deployment or ReplicaSet. */
export function scaleOf(resource: ResourceInfo, obj: KubeObject): KubeObject {
  const { name, namespace, uid, resourceVersion, creationTimestamp } = obj.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: obj.spec?.replicas ?? 1 },
    status: { replicas: obj.status?.replicas ?? 0, selector: obj.spec?.selector ? labelSelectorToString(obj.spec.selector) : '' },
  };
}

export function getScale(ctx: RequestContext): void {
  sendJson(ctx.res, 200, scaleOf(ctx.path.resource, currentObject(ctx)));
}

export async function replaceScale(ctx: RequestContext): Promise<void> {
  await writeScale(ctx, parseJson(await readBody(ctx.req)));
}

/** Writes `spec.replicas` of a Scale body; a resourceVersion in it is a precondition. */
export async function writeScale(ctx: RequestContext, scale: any): Promise<void> {
  const replicas = scale?.spec?.replicas;
  if (typeof replicas !== 'number') {
    throw ApiError.invalid('Scale.autoscaling', ctx.path.name!, [{ reason: 'FieldValueRequired', field: 'spec.replicas', message: 'Required value' }], 'autoscaling');
  }
  const { resource } = ctx.path;
  const result = await ctx.deps.writer.write(resource, ctx.path.namespace, ctx.path.name!, {
    type: 'Scale',
    resource,
    replicas,
    resourceVersion: scale?.metadata?.resourceVersion || undefined,
  }, ctx.caller, writeOptions(ctx));
  sendWarnings(ctx.res, result);
  sendJson(ctx.res, 200, scaleOf(resource, result.object!));
}
