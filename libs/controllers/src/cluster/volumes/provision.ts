import {
  type KubeObject,
  LOCAL_PATH_NODE_ANNOTATION,
  LOCAL_PATH_PROVISIONER,
  PROVISIONED_BY_ANNOTATION,
  HOSTNAME_LABEL,
} from '@logbook/kube';
import { hostnameOf } from './binder';

/** `pvc-<claim uid>`, as kube's provisioners name the volumes they create. */
export const provisionedVolumeName = (claim: KubeObject): string => `pvc-${claim.metadata.uid}`;

/**
 * The PersistentVolume logbook.io/local-path provisions for a claim on a node: a `local` volume
 * at `<node's volumes dir>/pvc-<uid>` (the node agent creates the directory when a pod mounts it
 * and removes it once the PV is deleted), pinned to the node by required node affinity, the
 * claim's size and access modes, the class's reclaim policy, and pre-bound to the claim
 * (claimRef with its uid) so no other claim can take it.
 */
export function localPathVolume(claim: KubeObject, storageClass: KubeObject, node: KubeObject, volumesDir: string): KubeObject {
  const name = provisionedVolumeName(claim);
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: {
      name,
      annotations: { [PROVISIONED_BY_ANNOTATION]: LOCAL_PATH_PROVISIONER, [LOCAL_PATH_NODE_ANNOTATION]: node.metadata.name! },
    },
    spec: {
      capacity: { storage: String(claim.spec?.resources?.requests?.storage) },
      accessModes: [...(claim.spec?.accessModes ?? ['ReadWriteOnce'])],
      persistentVolumeReclaimPolicy: storageClass.reclaimPolicy ?? 'Delete',
      storageClassName: storageClass.metadata.name,
      volumeMode: claim.spec?.volumeMode ?? 'Filesystem',
      local: { path: `${volumesDir.replace(/\/+$/, '')}/${name}` },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: HOSTNAME_LABEL, operator: 'In', values: [hostnameOf(node)] }] }] } },
      claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid, resourceVersion: claim.metadata.resourceVersion },
    },
  };
}
