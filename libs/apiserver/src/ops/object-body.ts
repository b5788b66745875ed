import { ApiError, type KubeObject, toStoredVersion } from '@logbook/kube';
import { decodeObjectBody, mediaType, readBody } from '../http/body';
import type { RequestContext } from './context';

/** Reads and checks an object body against the URL it was sent to; returns it in the stored version. */
export async function readObjectBody(ctx: RequestContext): Promise<KubeObject> {
  const body = decodeObjectBody(await readBody(ctx.req), mediaType(ctx.req));
  return checkObject(ctx, body);
}

export function checkObject(ctx: RequestContext, body: unknown): KubeObject {
  const { resource, namespace, name, version } = ctx.path;
  const urlApiVersion = resource.group ? `${resource.group}/${version}` : version;
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw ApiError.badRequest('the request body must be a JSON object');
  const obj = body as KubeObject;
  if (obj.kind !== undefined && obj.kind !== resource.kind && !ctx.path.subresource) {
    throw ApiError.badRequest(`the body's kind "${obj.kind}" does not match the resource "${resource.plural}" (kind ${resource.kind})`);
  }
  if (obj.apiVersion !== undefined && obj.apiVersion !== urlApiVersion && !ctx.path.subresource) {
    throw ApiError.badRequest(`the body's apiVersion "${obj.apiVersion}" does not match "${urlApiVersion}" for ${resource.plural}`);
  }
  const metadata = obj.metadata && typeof obj.metadata === 'object' ? { ...obj.metadata } : {};
  if (resource.namespaced) {
    if (metadata.namespace && namespace && metadata.namespace !== namespace) {
      throw ApiError.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    metadata.namespace = namespace;
  } else delete metadata.namespace;
  if (name !== undefined && metadata.name !== undefined && metadata.name !== name) {
    throw ApiError.badRequest(`the name of the object (${metadata.name}) does not match the name on the URL (${name})`);
  }
  if (name !== undefined) metadata.name = name;
  if (metadata.creationTimestamp === null) delete metadata.creationTimestamp;
  return toStoredVersion(resource, { ...obj, apiVersion: urlApiVersion, kind: resource.kind, metadata }, version);
}
