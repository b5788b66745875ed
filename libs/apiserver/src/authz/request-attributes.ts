import type { User } from '../identity/token-file';
import type { RequestAttributes } from './authorizer';

/** Subresources kube treats as part of the namespace itself (`/api/v1/namespaces/<ns>/status`). */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);
/** Streaming subresources: a GET upgrade (websocket exec in kubectl ≥ 1.30) needs `create`, as kube-apiserver asks since 1.30. */
const CONNECT_CREATE = new Set(['exec', 'attach', 'portforward']);
const NON_RESOURCE_VERBS: Record<string, string> = { GET: 'get', HEAD: 'head', POST: 'post', PUT: 'put', PATCH: 'patch', DELETE: 'delete', OPTIONS: 'options' };

/**
 * kube's RequestInfoFactory: what a request asks, from its method and URL alone. `/api/v1/…` and
 * `/apis/<group>/<version>/…` with a resource are resource requests (verb from the method: get,
 * list, watch, create, update, patch, delete, deletecollection); anything else — discovery,
 * /metrics, the logbook.io history endpoints — is a non-resource request on its path.
 */
export function requestAttributes(user: User, method: string, pathname: string, query: URLSearchParams): RequestAttributes {
  const path = pathname.replace(/\/+$/, '') || '/';
  const parts = path.split('/').filter(Boolean).map(safeDecode);
  let apiGroup: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    apiGroup = '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4 && parts[1] !== 'logbook.io') {
    apiGroup = parts[1];
    rest = parts.slice(3);
  } else {
    return { user, verb: NON_RESOURCE_VERBS[method] ?? method.toLowerCase(), resourceRequest: false, path };
  }
  let watchPrefix = false;
  if (rest[0] === 'watch') {
    watchPrefix = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1];
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2])) rest = rest.slice(2);
  }
  const [resource, pathName, subresource] = rest;
  let name = pathName;
  const watch = watchPrefix || ['true', '1'].includes(query.get('watch') ?? '');
  let verb = resourceVerb(method, name !== undefined, watch) ?? method.toLowerCase();
  if (verb === 'get' && subresource !== undefined && CONNECT_CREATE.has(subresource) && apiGroup === '' && resource === 'pods') verb = 'create';
  // A list or watch of one name (`kubectl get pod x -w`) is authorized for that name, as kube does.
  if ((verb === 'list' || verb === 'watch') && name === undefined) {
    const m = /(?:^|,)metadata\.name==?([^,]+)/.exec(query.get('fieldSelector') ?? '');
    if (m) name = m[1];
  }
  return {
    user,
    verb,
    resourceRequest: true,
    apiGroup,
    resource,
    ...(subresource !== undefined ? { subresource } : {}),
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
  };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * kube's verb of a resource request from its method: GET of a name is `get`, of a collection
 * `list` or `watch`; DELETE of a collection `deletecollection`. Undefined for other methods.
 */
export function resourceVerb(method: string, named: boolean, watch: boolean): string | undefined {
  switch (method) {
    case 'GET':
    case 'HEAD':
      return named ? 'get' : watch ? 'watch' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return named ? 'delete' : 'deletecollection';
    default:
      return undefined;
  }
}
