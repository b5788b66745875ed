import type { KubeObject } from '../object';

/**
 * PersistentVolume, PersistentVolumeClaim and StorageClass helpers shared by the API (defaulting,
 * validation, tables), the PV controller and the scheduler's VolumeBinding filter. Pure.
 */

/** The provisioner of Logbook's local volumes: a directory per volume on the node that runs the pod. */
export const LOCAL_PATH_PROVISIONER = 'logbook.io/local-path';
export const DEFAULT_STORAGE_CLASS_NAME = 'standard';
export const IS_DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
const BETA_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

/** Kubernetes' binding annotations (pkg/controller/volume/persistentvolume). */
export const BIND_COMPLETED_ANNOTATION = 'pv.kubernetes.io/bind-completed';
export const BOUND_BY_CONTROLLER_ANNOTATION = 'pv.kubernetes.io/bound-by-controller';
export const PROVISIONED_BY_ANNOTATION = 'pv.kubernetes.io/provisioned-by';
export const SELECTED_NODE_ANNOTATION = 'volume.kubernetes.io/selected-node';
export const STORAGE_PROVISIONER_ANNOTATION = 'volume.kubernetes.io/storage-provisioner';
/** The PVC finalizer that keeps a claim while a pod uses it (kube's pvc-protection). */
export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';

/**
 * Logbook's node protocol for local-path volumes (docs/architecture.md): a node agent publishes
 * where its volumes live on its Node; a provisioned PV names the node that owns its directory.
 */
export const VOLUMES_DIR_ANNOTATION = 'logbook.io/volumes-dir';
export const LOCAL_PATH_NODE_ANNOTATION = 'logbook.io/local-path-node';
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';

/** The sources a PersistentVolume may have in Logbook; the first that kube knows and we serve. */
export const SUPPORTED_VOLUME_SOURCES = ['hostPath', 'local'] as const;
/** Every PersistentVolumeSource kube defines: any of them set counts towards "exactly one". */
export const KNOWN_VOLUME_SOURCES = [
  'hostPath', 'local', 'csi', 'nfs', 'iscsi', 'fc', 'rbd', 'cephfs', 'cinder', 'flexVolume', 'flocker', 'gcePersistentDisk',
  'awsElasticBlockStore', 'azureFile', 'azureDisk', 'glusterfs', 'vsphereVolume', 'quobyte', 'photonPersistentDisk',
  'portworxVolume', 'scaleIO', 'storageos',
] as const;

export const ACCESS_MODES = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'] as const;
const SHORT_MODES: Record<string, string> = { ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' };

/** kubectl's ACCESS MODES cell (GetAccessModesAsString): RWO,ROX,RWX,RWOP in that order. */
export function accessModesString(modes: readonly string[] | undefined): string {
  const set = new Set(modes ?? []);
  return ACCESS_MODES.filter((m) => set.has(m)).map((m) => SHORT_MODES[m]).join(',');
}

/** GetPersistentVolumeClass / GetPersistentVolumeClaimClass: the field, else the beta annotation, else ''. */
export function storageClassOf(obj: KubeObject): string {
  return obj.spec?.storageClassName ?? obj.metadata.annotations?.[BETA_CLASS_ANNOTATION] ?? '';
}

export const isDefaultStorageClass = (sc: KubeObject): boolean => sc.metadata.annotations?.[IS_DEFAULT_CLASS_ANNOTATION] === 'true';

export const volumeBindingMode = (sc: KubeObject | undefined): string => sc?.volumeBindingMode ?? 'Immediate';

const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])|[eE]([+-]?\d+))?$/;
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };

/** A storage quantity in bytes (`1Gi` → 1073741824, `500M` → 5e8); undefined when malformed. */
export function storageBytes(q: unknown): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  if (typeof q !== 'string') return undefined;
  const m = QUANTITY.exec(q.trim());
  if (!m) return undefined;
  const [, sign, number, suffix = '', exponent] = m;
  const scale = exponent !== undefined ? 10 ** Number(exponent) : suffix in BINARY ? 1024 ** BINARY[suffix] : 10 ** DECIMAL[suffix];
  const v = Number(number) * scale;
  return sign === '-' ? -v : v;
}

/** `spec.resources.requests.storage` of a claim (bytes), or undefined. */
export const claimRequest = (pvc: KubeObject): number | undefined => storageBytes(pvc.spec?.resources?.requests?.storage);
export const volumeCapacity = (pv: KubeObject): number | undefined => storageBytes(pv.spec?.capacity?.storage);
