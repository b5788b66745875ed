/**
 * What a request asks for, read from its method and URL alone as kube-apiserver's RequestInfo
 * does: before authentication and routing, so that a refused request (401, 403, 404) is
 * described in its audit event like any other.
 */
export interface RequestInfo {
  readonly resourceRequest: boolean;
  /** Resource requests: get, list, watch, create, update, patch, delete, deletecollection; otherwise the lower-case method. */
  readonly verb: string;
  readonly path: string;
  readonly apiGroup?: string;
  readonly apiVersion?: string;
  readonly resource?: string;
  readonly subresource?: string;
  readonly namespace?: string;
  readonly name?: string;
}

/** kube: a namespace's own subresources; any other word after `namespaces/<name>/` is a resource in it. */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/** Logbook's history verbs (history, diff, audit, …) are non-resource URLs under this prefix (docs/security.md). */
const NON_RESOURCE_GROUPS = new Set(['logbook.io']);

export function requestInfo(method: string, url: URL): RequestInfo {
  const path = url.pathname;
  const lower = method.toLowerCase();
  const parts = path.split('/').filter(Boolean);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4 && !NON_RESOURCE_GROUPS.has(parts[1])) {
    group = parts[1];
    version = parts[2];
    rest = parts.slice(3);
  } else {
    return { resourceRequest: false, verb: lower, path };
  }

  let verb: string;
  switch (method) {
    case 'POST':
      verb = 'create';
      break;
    case 'GET':
    case 'HEAD':
      verb = 'get';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = 'delete';
      break;
    default:
      verb = lower;
  }
  // The legacy `/api/v1/watch/…` form.
  if (rest[0] === 'watch') {
    verb = 'watch';
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1];
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2])) rest = rest.slice(2);
  }
  const [resource, pathName, subresource] = rest;
  let name: string | undefined = pathName;
  if (!name) {
    if (verb === 'get') verb = ['true', '1'].includes(url.searchParams.get('watch') ?? '') ? 'watch' : 'list';
    else if (verb === 'delete') verb = 'deletecollection';
    // kube: a list or watch selecting one name by field is about that name.
    if (verb === 'list' || verb === 'watch') name = /(?:^|,)metadata\.name==?([^,]+)/.exec(url.searchParams.get('fieldSelector') ?? '')?.[1];
  }
  return {
    resourceRequest: true,
    verb,
    path,
    apiGroup: group,
    apiVersion: version,
    resource,
    ...(subresource ? { subresource } : {}),
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name ? { name } : {}),
  };
}

/** Long-running requests get a ResponseStarted event when their headers go out (kube's long-running check). */
export function isLongRunning(info: RequestInfo): boolean {
  if (info.verb === 'watch' || info.verb === 'proxy') return true;
  if (info.subresource && ['attach', 'exec', 'proxy', 'log', 'portforward'].includes(info.subresource)) return true;
  return !info.resourceRequest && info.path === '/apis/logbook.io/v1/tail';
}
