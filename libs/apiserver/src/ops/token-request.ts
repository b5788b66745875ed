import { ApiError, type KubeObject, type StatusCause } from '@logbook/kube';
import type { Projector } from '@logbook/projections';
import { decodeObjectBody, mediaType, readBody } from '../http/body';
import { sendJson } from '../http/respond';
import type { BoundObject, ServiceAccountTokens } from '../authn/service-account-tokens';
import type { RequestContext } from './context';

const API_VERSION = 'authentication.k8s.io/v1';
const DEFAULT_EXPIRATION_SECONDS = 3600;
const MIN_EXPIRATION_SECONDS = 600;
const MAX_EXPIRATION_SECONDS = 2 ** 32;

/**
 * `POST …/serviceaccounts/<name>/token` (TokenRequest, `kubectl create token`): a signed token for
 * the service account, optionally bound to a Pod or Secret of its namespace. Answered and never
 * stored, as kube-apiserver does: the token is in no event of the log.
 */
export async function requestToken(ctx: RequestContext): Promise<void> {
  const tokens = ctx.deps.serviceAccountTokens;
  if (!tokens) throw ApiError.notFoundPath();
  const body = decodeObjectBody(await readBody(ctx.req), mediaType(ctx.req));
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw ApiError.badRequest('the request body must be a JSON object');
  if ((body.kind ?? 'TokenRequest') !== 'TokenRequest') throw ApiError.badRequest(`the body's kind "${body.kind}" is not TokenRequest`);
  sendJson(ctx.res, 201, issueTokenRequest(tokens, ctx.deps.projector, ctx.path.namespace!, ctx.path.name!, body.spec));
}

/**
 * The TokenRequest's answer for `spec` (validated and its bound object checked as kube does),
 * shared by the HTTP route and the in-process client (the embedded node agent's projected tokens).
 */
export function issueTokenRequest(tokens: ServiceAccountTokens, projector: Projector, namespace: string, name: string, requested: unknown): KubeObject {
  const spec: any = requested && typeof requested === 'object' ? requested : {};
  const audiences: string[] = Array.isArray(spec.audiences) ? spec.audiences.map(String) : [];
  const expirationSeconds = spec.expirationSeconds === undefined || spec.expirationSeconds === null ? DEFAULT_EXPIRATION_SECONDS : Number(spec.expirationSeconds);
  const causes = validateSpec(expirationSeconds);
  if (causes.length > 0) throw ApiError.invalid('TokenRequest.authentication.k8s.io', name, causes, 'authentication.k8s.io');

  const sa = projector.state.get('ServiceAccount', namespace, name);
  if (!sa || sa.metadata.deletionTimestamp) throw ApiError.notFound('serviceaccounts', name);
  const bound = spec.boundObjectRef ? boundObject(projector, name, namespace, spec.boundObjectRef) : undefined;
  const issued = tokens.issue({ namespace, serviceAccount: { name, uid: sa.metadata.uid! }, audiences, expirationSeconds, ...(bound ? { bound } : {}) });
  return {
    kind: 'TokenRequest',
    apiVersion: API_VERSION,
    metadata: { name, namespace, creationTimestamp: null } as KubeObject['metadata'],
    spec: { audiences: audiences.length > 0 ? audiences : tokens.audiences, expirationSeconds, boundObjectRef: spec.boundObjectRef ?? null },
    status: { token: issued.token, expirationTimestamp: issued.expirationTimestamp.toISOString().replace(/\.\d{3}Z$/, 'Z') },
  };
}

function validateSpec(expirationSeconds: number): StatusCause[] {
  if (!Number.isInteger(expirationSeconds)) return [{ reason: 'FieldValueInvalid', field: 'spec.expirationSeconds', message: `Invalid value: ${JSON.stringify(expirationSeconds)}: must be an integer` }];
  if (expirationSeconds < MIN_EXPIRATION_SECONDS) return [{ reason: 'FieldValueInvalid', field: 'spec.expirationSeconds', message: `Invalid value: ${expirationSeconds}: may not specify a duration less than 10 minutes` }];
  if (expirationSeconds > MAX_EXPIRATION_SECONDS) return [{ reason: 'FieldValueInvalid', field: 'spec.expirationSeconds', message: `Invalid value: ${expirationSeconds}: may not specify a duration larger than 2^32 seconds` }];
  return [];
}

/** kube's checks: a Pod or Secret of the namespace, present, with the uid given, and for a pod the same service account. */
function boundObject(projector: Projector, saName: string, namespace: string, ref: any): BoundObject {
  const kind = String(ref.kind ?? '');
  const apiVersion = String(ref.apiVersion ?? 'v1');
  if ((kind !== 'Pod' && kind !== 'Secret') || apiVersion !== 'v1') {
    throw ApiError.badRequest(`cannot bind token for serviceaccount "${saName}" to object of type ${apiVersion}, Kind=${kind}`);
  }
  const name = String(ref.name ?? '');
  const obj = name ? projector.state.get(kind, namespace, name) : undefined;
  if (!obj) throw ApiError.notFound(kind === 'Pod' ? 'pods' : 'secrets', name);
  if (ref.uid && ref.uid !== obj.metadata.uid) {
    throw new ApiError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${kind} "${name}": the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
      { name, group: '', kind },
    );
  }
  if (kind === 'Pod') {
    const podSa = obj.spec?.serviceAccountName || obj.spec?.serviceAccount || 'default';
    if (podSa !== saName) throw ApiError.badRequest(`cannot bind token for serviceaccount "${saName}" to pod running with different serviceaccount name.`);
  }
  return { kind, name, uid: obj.metadata.uid! };
}
