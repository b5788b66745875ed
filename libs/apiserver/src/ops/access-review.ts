import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '@logbook/kube';
import { decodeObjectBody, mediaType, readBody } from '../http/body';
import { sendJson } from '../http/respond';
import { AUTHORIZATION_GROUP } from '../http/discovery';

/**
 * What every access review answers. Logbook authenticates (a wrong or missing token is a 401)
 * but has no authorizer yet: no RBAC, no roles, so any authenticated user may do anything. The
 * reason says so plainly, rather than pretend a rule allowed it.
 */
export const NO_AUTHORIZATION_REASON = 'Logbook has no authorization (RBAC) yet: every authenticated user may do everything';

const API_VERSION = `${AUTHORIZATION_GROUP}/v1`;
const KINDS: Record<string, string> = { selfsubjectaccessreviews: 'SelfSubjectAccessReview', selfsubjectrulesreviews: 'SelfSubjectRulesReview' };

/**
 * POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews (`kubectl auth can-i <verb>
 * <resource>`) and …/selfsubjectrulesreviews (`kubectl auth can-i --list`). Answered from the
 * request alone and never stored, as kube-apiserver does.
 */
export async function serveAccessReview(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  const plural = pathname.slice(`/apis/${API_VERSION}/`.length);
  const kind = KINDS[plural];
  if (!kind) throw ApiError.notFoundPath();
  if (req.method !== 'POST') throw ApiError.methodNotAllowed(`the server does not allow this method on the requested resource: ${req.method} ${plural}`);
  const body = decodeObjectBody(await readBody(req), mediaType(req));
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw ApiError.badRequest('the request body must be a JSON object');
  if ((body.kind ?? kind) !== kind || (body.apiVersion ?? API_VERSION) !== API_VERSION) {
    throw ApiError.badRequest(`the body's kind "${body.kind}" in "${body.apiVersion}" does not match the resource ${plural} (kind ${kind} in ${API_VERSION})`);
  }
  const spec = body.spec && typeof body.spec === 'object' ? body.spec : {};
  const status = kind === 'SelfSubjectAccessReview' ? accessReviewStatus(spec) : RULES_REVIEW_STATUS;
  const metadata = { ...(body.metadata && typeof body.metadata === 'object' ? body.metadata : {}), creationTimestamp: null };
  sendJson(res, 201, { kind, apiVersion: API_VERSION, metadata, spec, status });
}

/** kube's ValidateSelfSubjectAccessReviewSpec: exactly one of the two attribute sets. */
function accessReviewStatus(spec: Record<string, unknown>): object {
  const resource = spec.resourceAttributes ?? undefined;
  const nonResource = spec.nonResourceAttributes ?? undefined;
  if ((resource === undefined) === (nonResource === undefined)) {
    throw ApiError.invalid('SelfSubjectAccessReview.authorization.k8s.io', '', [
      { reason: 'FieldValueInvalid', field: 'spec.resourceAttributes', message: `Invalid value: ${resource === undefined ? '"null"' : JSON.stringify(resource)}: exactly one of nonResourceAttributes or resourceAttributes must be specified` },
    ], AUTHORIZATION_GROUP);
  }
  return { allowed: true, reason: NO_AUTHORIZATION_REASON };
}

/** Everything, on every resource and URL; `incomplete` is false because the list is exact. */
const RULES_REVIEW_STATUS = {
  resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
  nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
  incomplete: false,
};
