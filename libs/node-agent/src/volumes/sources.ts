import type { KubeObject } from '@logbook/kube';
import { EnvError, envReferences, resolveEnv } from '../env';
import { validateItemPath } from './paths';
import { DEFAULT_MODE, type FileProjection, type Payload, downwardAPIPayload, keyedPayload } from './payload';
import type { NodeAllocatable } from './resource-field';
import { VolumeError } from './volume-error';

/** One object read through the API (undefined when absent). */
export type ObjectGetter = (kind: string, namespace: string | undefined, name: string) => Promise<KubeObject | undefined>;

/**
 * Where projected `serviceAccountToken` sources get their token (the security work plugs in
 * here); without one they write no file. Called on every sync of the pod: the source caches
 * and renews (kube renews at 80% of the token's life), the volume is rewritten only when the
 * token it returns changed.
 */
export interface ServiceAccountTokenSource {
  token(pod: KubeObject, request: { readonly audience?: string; readonly expirationSeconds: number }): Promise<string | undefined>;
  /** The pod's volumes were torn down: its cached tokens can go. */
  forget?(podUid: string): void;
}

const DEFAULT_TOKEN_SECONDS = 3600;

/** The files of a projected volume: its sources in order, a later path replacing an earlier one. */
export async function projectedPayload(pod: KubeObject, src: any, get: ObjectGetter, allocatable: NodeAllocatable, tokens?: ServiceAccountTokenSource): Promise<Payload> {
  const mode = src.defaultMode ?? DEFAULT_MODE;
  const ns = pod.metadata.namespace;
  const out = new Map<string, FileProjection>();
  const add = (files: Payload) => files.forEach((f, path) => out.set(path, f));
  for (const s of src.sources ?? []) {
    if (s.configMap) add(keyedPayload('configmap', s.configMap, await get('ConfigMap', ns, s.configMap.name), mode));
    else if (s.secret) add(keyedPayload('secret', s.secret, await get('Secret', ns, s.secret.name), mode));
    else if (s.downwardAPI) add(downwardAPIPayload(pod, s.downwardAPI.items ?? [], mode, allocatable));
    else if (s.serviceAccountToken) {
      const req = s.serviceAccountToken;
      const token = await tokens?.token(pod, { audience: req.audience, expirationSeconds: req.expirationSeconds ?? DEFAULT_TOKEN_SECONDS });
      if (token !== undefined) out.set(validateItemPath(req.path), { data: Buffer.from(token, 'utf8'), mode });
    }
    // clusterTrustBundle sources are not served by this API: nothing to project.
  }
  return out;
}

/** A container's environment for its subPathExpr, as pod sync builds it (service variables aside: no path uses them). */
export async function subPathEnv(pod: KubeObject, container: any, podIP: string, get: ObjectGetter): Promise<Record<string, string>> {
  const refs = envReferences(container);
  const fetch = async (kind: string, names: string[]) => new Map(await Promise.all(names.map(async (n) => [n, await get(kind, pod.metadata.namespace, n)] as const)));
  try {
    return resolveEnv(pod, container, { configMaps: await fetch('ConfigMap', refs.configMaps), secrets: await fetch('Secret', refs.secrets), services: [], podIP, hostIP: '' });
  } catch (err) {
    if (err instanceof EnvError) throw new VolumeError('CreateContainerConfigError', err.message);
    throw err;
  }
}
