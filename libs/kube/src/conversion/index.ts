import { ApiError } from '../api-error';
import type { KubeObject } from '../object';
import { type ResourceInfo, servedVersions } from '../resources';
import { hpaV1 } from './hpa-v1';

/**
 * Converts one kind between its stored version and another served version. Both directions
 * take and return whole objects with `apiVersion` set to the version they are in.
 */
export interface VersionConverter {
  toStored(obj: KubeObject): KubeObject;
  fromStored(obj: KubeObject): KubeObject;
}

/** `<Kind>/<version>` → its converter; every `alsoServed` version of ../resources needs one. */
const CONVERTERS: Readonly<Record<string, VersionConverter>> = {
  'HorizontalPodAutoscaler/v1': hpaV1,
};

const apiVersionAt = (r: ResourceInfo, version: string) => (r.group ? `${r.group}/${version}` : version);

function converter(r: ResourceInfo, version: string): VersionConverter {
  const c = CONVERTERS[`${r.kind}/${version}`];
  if (!c || !servedVersions(r).includes(version)) throw ApiError.notFoundPath();
  return c;
}

/** The object as a client of `version` sees it; `apiVersion` and `kind` are set. */
export function toServedVersion(r: ResourceInfo, obj: KubeObject, version: string = r.version): KubeObject {
  const stored = { ...obj, apiVersion: apiVersionAt(r, r.version), kind: r.kind };
  return version === r.version ? stored : { ...converter(r, version).fromStored(stored), apiVersion: apiVersionAt(r, version), kind: r.kind };
}

/** An object a client sent in `version`, in the stored version. */
export function toStoredVersion(r: ResourceInfo, obj: KubeObject, version: string): KubeObject {
  if (version === r.version) return obj;
  return { ...converter(r, version).toStored({ ...obj, apiVersion: apiVersionAt(r, version) }), apiVersion: apiVersionAt(r, r.version), kind: r.kind };
}
