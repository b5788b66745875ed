import { applyPatch, type Operation } from 'fast-json-patch';
import { apply as applyMergePatch } from 'json-merge-patch';
import { ApiError, type KubeObject, applyStrategicMergePatch } from '@logbook/kube';
import { mediaType, parseJson, readBody, decodeObjectBody } from '../http/body';
import { type RequestContext, withTypeMeta } from './context';
import { checkObject } from './object-body';
import { currentObject } from './read';
import { createFromBody, runWrite } from './write';
import { scaleOf, writeScale } from './scale';

const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];

/** PATCH on an object, its status or its scale, in the four patch dialects kubectl sends. */
export async function patchObject(ctx: RequestContext): Promise<void> {
  const type = mediaType(ctx.req);
  if (!PATCH_TYPES.includes(type)) throw ApiError.unsupportedMediaType(type || '(none)');
  const body = await readBody(ctx.req);
  const { resource, subresource } = ctx.path;

  if (type === 'application/apply-patch+yaml') {
    const applied = checkObject(ctx, decodeObjectBody(body, type));
    const existing = tryCurrent(ctx);
    // Server-side apply, the simple way (KUBECTL.md §5): create if absent, else merge.
    if (!existing) return createFromBody(ctx, applied);
    const merged = applyStrategicMergePatch(stripVolatile(existing), stripVolatile(applied)) as KubeObject;
    return void (await runWrite(ctx, ctx.path.name!, { type: 'Update', resource, object: merged }));
  }

  const current = currentObject(ctx);
  // A patch applies to the object as the URL's version shows it; checkObject converts it back.
  const target = subresource === 'scale' ? scaleOf(resource, current) : withTypeMeta(resource, current, ctx.path.version);
  const patched = applyPatchBody(type, target, body);
  if (subresource === 'scale') return writeScale(ctx, patched);
  const checked = checkObject(ctx, patched);
  const command = subresource === 'status' ? 'UpdateStatus' : subresource === 'approval' ? 'UpdateApproval' : 'Update';
  await runWrite(ctx, ctx.path.name!, { type: command, resource, object: checked });
}

function applyPatchBody(type: string, target: KubeObject, body: Buffer): KubeObject {
  const patch = parseJson(body);
  const doc = structuredClone(target);
  switch (type) {
    case 'application/json-patch+json': {
      if (!Array.isArray(patch)) throw ApiError.badRequest('a JSON patch must be an array of operations');
      try {
        return applyPatch(doc, patch as Operation[], true, true).newDocument;
      } catch (err) {
        throw new ApiError(422, 'Invalid', `the JSON patch could not be applied: ${(err as Error).message.split('\n')[0]}`);
      }
    }
    case 'application/merge-patch+json':
      if (!patch || typeof patch !== 'object' || Array.isArray(patch)) throw ApiError.badRequest('a merge patch must be a JSON object');
      return applyMergePatch(doc, patch);
    default:
      if (!patch || typeof patch !== 'object' || Array.isArray(patch)) throw ApiError.badRequest('a strategic merge patch must be a JSON object');
      try {
        return applyStrategicMergePatch(doc, patch) as KubeObject;
      } catch (err) {
        if (err instanceof ApiError) throw err;
        throw ApiError.badRequest(`the strategic merge patch could not be applied: ${(err as Error).message}`);
      }
  }
}

function tryCurrent(ctx: RequestContext): KubeObject | undefined {
  try {
    return currentObject(ctx);
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) return undefined;
    throw err;
  }
}

/** Fields an applied manifest must not clobber: the server owns them. */
function stripVolatile(obj: KubeObject): KubeObject {
  const metadata = { ...obj.metadata };
  delete metadata.managedFields;
  if (metadata.resourceVersion === undefined) delete metadata.resourceVersion;
  return { ...obj, metadata };
}
