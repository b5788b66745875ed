import { requestAttributes } from '../authz/request-attributes';
import type { RequestAttributes } from '../authz/authorizer';

/**
 * What a request asks for, read from its method and URL alone as kube-apiserver's RequestInfo
 * does: before authentication and routing, so that a refused request (401, 403, 404) is
 * described in its audit event like any other.
 */
export type RequestInfo = Omit<RequestAttributes, 'user' | 'path'> & {
  /** The URL path, for resource requests too (audit's requestURI and non-resource rules). */
  readonly path: string;
  /** Resource requests: the version the URL names (audit's objectRef.apiVersion). */
  readonly apiVersion?: string;
};

const NOBODY = { name: '', uid: '', groups: [] };

/** The authorizer's reading of the URL (one RequestInfo for both), plus the API version objectRef names. */
export function requestInfo(method: string, url: URL): RequestInfo {
  const { user: _user, path, ...attrs } = requestAttributes(NOBODY, method, url.pathname, url.searchParams);
  if (!attrs.resourceRequest) return { ...attrs, path: path ?? url.pathname };
  const parts = url.pathname.split('/').filter(Boolean);
  return { ...attrs, path: url.pathname, apiVersion: parts[0] === 'api' ? parts[1] : parts[2] };
}

/** Long-running requests get a ResponseStarted event when their headers go out (kube's long-running check). */
export function isLongRunning(info: RequestInfo): boolean {
  if (info.verb === 'watch' || info.verb === 'proxy') return true;
  if (info.subresource && ['attach', 'exec', 'proxy', 'log', 'portforward'].includes(info.subresource)) return true;
  return !info.resourceRequest && info.path === '/apis/logbook.io/v1/tail';
}
