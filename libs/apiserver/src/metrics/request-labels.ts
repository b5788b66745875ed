import { parseResourcePath } from '../http/request-path';
import { resourceVerb } from '../authz/request-attributes';

/** What a request is, in the words of Kubernetes' `apiserver_request_*` labels. */
export interface RequestLabels {
  /** get, list, watch, create, update, patch, delete, deletecollection; the HTTP method for non-resource paths. */
  readonly verb: string;
  /** The resource's plural (`pods`, `deployments`), a logbook.io endpoint (`history`), or '' for the rest. */
  readonly resource: string;
  readonly subresource: string;
  /** Watches and followed streams: counted, but kept out of the latency histogram (as Kubernetes does). */
  readonly longRunning: boolean;
}

const LOGBOOK_ENDPOINT = /^\/apis\/logbook\.io\/v1\/([a-z]+)$/;

/** Labels from the method and URL alone; never throws (an unknown path gets resource ''). */
export function requestLabels(method: string, url: URL): RequestLabels {
  const pathname = url.pathname.replace(/\/+$/, '') || '/';
  const flag = (name: string) => ['true', '1'].includes(url.searchParams.get(name) ?? '');
  const endpoint = LOGBOOK_ENDPOINT.exec(pathname);
  if (endpoint) {
    const tail = endpoint[1] === 'tail';
    return { verb: tail ? 'watch' : method.toLowerCase() === 'get' ? 'get' : method, resource: endpoint[1], subresource: '', longRunning: tail };
  }
  let path;
  try {
    path = parseResourcePath(pathname);
  } catch {
    path = undefined; // a 404: the handler answers it
  }
  if (!path) return { verb: method, resource: '', subresource: '', longRunning: false };
  const named = path.name !== undefined;
  const subresource = path.subresource ?? '';
  // HEAD is counted as itself here: only GET is a read in these labels.
  const verb = (method === 'HEAD' ? undefined : resourceVerb(method, named, flag('watch'))) ?? method;
  return { verb, resource: path.resource.plural, subresource, longRunning: verb === 'watch' || (subresource === 'log' && flag('follow')) };
}
