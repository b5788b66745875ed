import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '@logbook/kube';
import { decodeObjectBody, mediaType, readBody } from '../http/body';
import { sendJson } from '../http/respond';
import { AUTHORIZATION_GROUP } from '../http/discovery';
import type { User } from '../identity/token-file';
import type { RequestAttributes } from '../authz/authorizer';
import type { PolicyRule } from '../authz/rbac-rules';
import type { ApiDeps } from './context';

const API_VERSION = `${AUTHORIZATION_GROUP}/v1`;
const KINDS: Record<string, string> = {
  selfsubjectaccessreviews: 'SelfSubjectAccessReview',
  subjectaccessreviews: 'SubjectAccessReview',
  localsubjectaccessreviews: 'LocalSubjectAccessReview',
  selfsubjectrulesreviews: 'SelfSubjectRulesReview',
};

type Spec = Record<string, any>;

/**
 * POST /apis/authorization.k8s.io/v1/…: SelfSubjectAccessReview (`kubectl auth can-i`),
 * SubjectAccessReview (for another user, whoever may create subjectaccessreviews),
 * namespaces/<ns>/localsubjectaccessreviews, and SelfSubjectRulesReview (`kubectl auth can-i
 * --list`). Answered by the same authorizers as requests, never stored, as kube-apiserver does.
 * Creating the review itself was authorized before routing.
 */
export async function serveAccessReview(deps: ApiDeps, user: User, req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  let rest = pathname.slice(`/apis/${API_VERSION}/`.length);
  let urlNamespace: string | undefined;
  const ns = /^namespaces\/([^/]+)\/(.+)$/.exec(rest);
  if (ns) [, urlNamespace, rest] = ns;
  const kind = KINDS[rest];
  if (!kind || (kind === 'LocalSubjectAccessReview') !== (urlNamespace !== undefined)) throw ApiError.notFoundPath();
  if (req.method !== 'POST') throw ApiError.methodNotAllowed(`the server does not allow this method on the requested resource: ${req.method} ${rest}`);
  const body = decodeObjectBody(await readBody(req), mediaType(req));
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw ApiError.badRequest('the request body must be a JSON object');
  if ((body.kind ?? kind) !== kind || (body.apiVersion ?? API_VERSION) !== API_VERSION) {
    throw ApiError.badRequest(`the body's kind "${body.kind}" in "${body.apiVersion}" does not match the resource ${rest} (kind ${kind} in ${API_VERSION})`);
  }
  const spec: Spec = body.spec && typeof body.spec === 'object' ? body.spec : {};
  const metadata = { ...(body.metadata && typeof body.metadata === 'object' ? body.metadata : {}), ...(urlNamespace ? { namespace: urlNamespace } : {}), creationTimestamp: null };
  let status: object;
  switch (kind) {
    case 'SelfSubjectRulesReview':
      status = rulesReview(deps, user, typeof spec.namespace === 'string' ? spec.namespace : '');
      break;
    case 'SelfSubjectAccessReview':
      status = accessReview(deps, user, spec, kind);
      break;
    default:
      status = accessReview(deps, subjectOf(spec, kind), spec, kind, urlNamespace);
  }
  sendJson(res, 201, { kind, apiVersion: API_VERSION, metadata, spec, status });
}

/** The user a SubjectAccessReview asks about (kube: at least one of user or groups). */
function subjectOf(spec: Spec, kind: string): User {
  const groups = Array.isArray(spec.groups) ? spec.groups.map(String) : [];
  const name = typeof spec.user === 'string' ? spec.user : '';
  if (!name && groups.length === 0) throw invalid(kind, 'spec.user', `Invalid value: "": at least one of user or group must be specified`);
  return { name, uid: typeof spec.uid === 'string' ? spec.uid : '', groups };
}

function invalid(kind: string, field: string, message: string): ApiError {
  return ApiError.invalid(`${kind}.${AUTHORIZATION_GROUP}`, '', [{ reason: 'FieldValueInvalid', field, message }], AUTHORIZATION_GROUP);
}

/** kube's ValidateSelfSubjectAccessReviewSpec (exactly one attribute set), then the chain's decision. */
function accessReview(deps: ApiDeps, user: User, spec: Spec, kind: string, localNamespace?: string): object {
  const resource = spec.resourceAttributes ?? undefined;
  const nonResource = spec.nonResourceAttributes ?? undefined;
  if (localNamespace !== undefined) {
    if (nonResource !== undefined) throw invalid(kind, 'spec.nonResourceAttributes', `Invalid value: ${JSON.stringify(nonResource)}: disallowed on this kind of request`);
    if (resource === undefined) throw invalid(kind, 'spec.resourceAttributes', 'Required value');
    if ((resource.namespace ?? '') !== localNamespace) throw invalid(kind, 'spec.resourceAttributes.namespace', `Invalid value: ${JSON.stringify(resource.namespace ?? '')}: must match metadata.namespace`);
  }
  if ((resource === undefined) === (nonResource === undefined)) {
    throw invalid(kind, 'spec.resourceAttributes', `Invalid value: ${resource === undefined ? '"null"' : JSON.stringify(resource)}: exactly one of nonResourceAttributes or resourceAttributes must be specified`);
  }
  const attrs: RequestAttributes = resource
    ? {
        user,
        verb: str(resource.verb),
        resourceRequest: true,
        apiGroup: str(resource.group),
        resource: str(resource.resource),
        ...(resource.subresource ? { subresource: str(resource.subresource) } : {}),
        ...(resource.namespace ? { namespace: str(resource.namespace) } : {}),
        ...(resource.name ? { name: str(resource.name) } : {}),
      }
    : { user, verb: str(nonResource.verb), resourceRequest: false, path: str(nonResource.path) };
  const decision = deps.authorizer.authorize(attrs);
  return { allowed: decision.allowed, ...(decision.decided && !decision.allowed ? { denied: true } : {}), ...(decision.reason ? { reason: decision.reason } : {}) };
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The user's RBAC rules in a namespace, split as kube splits them; complete, since RBAC is the only rule source. */
function rulesReview(deps: ApiDeps, user: User, namespace: string): object {
  const rules = deps.authorizer.rbac.rulesFor(user, namespace || undefined);
  const resourceRules: PolicyRule[] = [];
  const nonResourceRules: PolicyRule[] = [];
  for (const r of rules) {
    if (r.nonResourceURLs?.length) nonResourceRules.push({ verbs: [...r.verbs], nonResourceURLs: [...r.nonResourceURLs] });
    if (r.resources?.length) {
      resourceRules.push({ verbs: [...r.verbs], apiGroups: [...(r.apiGroups ?? [])], resources: [...r.resources], ...(r.resourceNames?.length ? { resourceNames: [...r.resourceNames] } : {}) });
    }
  }
  return { resourceRules, nonResourceRules, incomplete: false };
}
