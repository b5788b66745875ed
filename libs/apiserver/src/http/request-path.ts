import { type ResourceInfo, resourceByPlural, servedVersions, ApiError } from '@logbook/kube';

/** A resource request decoded from the Kubernetes URL grammar (KUBECTL.md §8). */
export interface ResourcePath {
  readonly resource: ResourceInfo;
  /** The version in the URL: the stored one, or another the resource also serves (converted in ops/). */
  readonly version: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly subresource?: string;
}

/**
 * `/api/v1/[namespaces/{ns}/]{plural}[/{name}[/{sub}]]` and the same under `/apis/{group}/{version}`
 * for every version the resource serves (`ResourceInfo.alsoServed`).
 * Returns undefined for paths that are not resource paths (discovery, health, ...).
 */
export function parseResourcePath(pathname: string): ResourcePath | undefined {
  const segments = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === 'api' && segments[1] === 'v1') {
    group = '';
    version = 'v1';
    rest = segments.slice(2);
  } else if (segments[0] === 'apis' && segments.length >= 3) {
    group = segments[1];
    version = segments[2];
    rest = segments.slice(3);
  } else return undefined;
  if (rest.length === 0) return undefined;

  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3 && !['status', 'finalize'].includes(rest[2])) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, subresource, ...extra] = rest;
  const resource = resourceByPlural(group, plural);
  if (!resource || extra.length > 0 || !servedVersions(resource).includes(version)) throw ApiError.notFoundPath();
  if (namespace !== undefined && !resource.namespaced) throw ApiError.notFoundPath();
  if (subresource !== undefined && !resource.subresources.includes(subresource)) throw ApiError.notFoundPath();
  return { resource, version, namespace, name, subresource };
}
