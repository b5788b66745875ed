import { randomInt } from 'node:crypto';
import { ApiError, type KubeObject } from '@logbook/kube';
import type { ClusterState } from '@logbook/projections';
import type { AdmissionRequest, MutatingAdmission } from '../admission';

export const DEFAULT_SERVICE_ACCOUNT = 'default';
export const SERVICE_ACCOUNT_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
export const TOKEN_VOLUME_PREFIX = 'kube-api-access-';
/** kube asks for an hour and 7 s: the odd value tells a projected token from one a client asked for. */
export const TOKEN_EXPIRATION_SECONDS = 3607;
const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
/** utilrand's alphabet: no vowels (no words) and no 0/1/3 (no look-alikes). */
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** The projected volume kube gives a pod for its service account: the token, the cluster CA and the namespace. */
export function tokenVolume(name: string): Record<string, unknown> {
  return {
    name,
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: TOKEN_EXPIRATION_SECONDS, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

/**
 * ServiceAccount admission (docs/security.md): a pod runs as `spec.serviceAccountName`
 * (`default` when unset), which must exist, and — unless the pod or its service account sets
 * automountServiceAccountToken: false — gets the `kube-api-access-<5>` projected volume mounted
 * read-only at /var/run/secrets/kubernetes.io/serviceaccount in every container.
 *
 * A missing `default` service account is tolerated, unlike kube (which retries then refuses):
 * the ServiceAccount controller creates it asynchronously after the namespace, and a pod
 * created in that gap (a Deployment applied together with its namespace) would otherwise fail.
 * Its token is requested by the node agent when the pod starts, by which time it exists.
 */
export class ServiceAccountAdmission implements MutatingAdmission {
  readonly name = 'ServiceAccount';

  constructor(private readonly suffix: () => string = randomSuffix) {}

  admit(request: AdmissionRequest, state: ClusterState): KubeObject | undefined {
    const pod = request.object;
    if (request.operation !== 'CREATE' || request.subresource || pod?.kind !== 'Pod' || !request.namespace) return undefined;
    if (pod.metadata.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return undefined;
    const accountName: string = pod.spec?.serviceAccountName || pod.spec?.serviceAccount || DEFAULT_SERVICE_ACCOUNT;
    const account = state.get('ServiceAccount', request.namespace, accountName);
    if (!account && accountName !== DEFAULT_SERVICE_ACCOUNT) {
      const name = request.name || pod.metadata.name || pod.metadata.generateName || '';
      throw new ApiError(403, 'Forbidden', `pods "${name}" is forbidden: error looking up service account ${request.namespace}/${accountName}: serviceaccount "${accountName}" not found`, {
        name,
        group: '',
        kind: 'pods',
      });
    }
    const copy = structuredClone(pod);
    copy.spec = { ...(copy.spec ?? {}), serviceAccountName: accountName };
    if (!automount(copy, account)) return copy;
    const volumes: any[] = (copy.spec.volumes ??= []);
    let volume = volumes.find((v) => typeof v?.name === 'string' && v.name.startsWith(TOKEN_VOLUME_PREFIX) && v.projected);
    if (!volume) {
      volume = tokenVolume(TOKEN_VOLUME_PREFIX + this.suffix());
      volumes.push(volume);
    }
    for (const list of [copy.spec.initContainers, copy.spec.containers]) {
      for (const c of list ?? []) {
        const mounts: any[] = (c.volumeMounts ??= []);
        // A container that mounts something of its own there keeps it.
        if (mounts.some((m) => m?.mountPath === SERVICE_ACCOUNT_MOUNT_PATH)) continue;
        mounts.push({ name: volume.name, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH });
      }
    }
    return copy;
  }
}

/** The pod's own setting wins over its service account's; unset on both means mount. */
function automount(pod: KubeObject, account: KubeObject | undefined): boolean {
  const own = pod.spec?.automountServiceAccountToken;
  if (typeof own === 'boolean') return own;
  const accounts = account?.automountServiceAccountToken;
  return typeof accounts === 'boolean' ? accounts : true;
}

function randomSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}
