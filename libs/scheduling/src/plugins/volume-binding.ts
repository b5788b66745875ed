import {
  type KubeObject,
  LOCAL_PATH_PROVISIONER,
  VOLUMES_DIR_ANNOTATION,
  findBestVolume,
  storageClassOf,
  volumeBindingMode,
  volumeFitsNode,
} from '@logbook/kube';
import type { FilterPlugin, ObjectLister } from '../framework';
import { SUCCESS, type Status, unresolvable } from '../status';

/** kube-scheduler's VolumeBinding wording. */
export const ERR_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';
export const ERR_VOLUME_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
export const ERR_VOLUME_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
export const ERR_PV_NOT_EXIST = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)';

/** The claims a pod names; a pod without any pays for this loop only. */
export function podClaimNames(pod: KubeObject): string[] | undefined {
  const volumes: any[] | undefined = pod.spec?.volumes;
  if (!volumes) return undefined;
  let out: string[] | undefined;
  for (const v of volumes) if (v?.persistentVolumeClaim?.claimName) (out ??= []).push(v.persistentVolumeClaim.claimName);
  return out;
}

/** What the pod's claims need of a node, worked out once per cycle. */
export interface ClaimsState {
  /** Volumes already bound to the pod's claims (their node affinity must hold). */
  readonly bound: readonly KubeObject[];
  /** Bound claims whose volume does not exist. */
  readonly missingVolumes: number;
  /** Unbound WaitForFirstConsumer claims: each needs a node where it can be bound or provisioned. */
  readonly delayed: readonly { readonly claim: KubeObject; readonly provisioner?: string }[];
}

/** kube's VolumeBinding PreFilter: a failure here fails the pod on every node at once. */
export function claimsState(pod: KubeObject, lister: ObjectLister): { status: Status; state?: ClaimsState } {
  const names = podClaimNames(pod);
  if (!names) return { status: SUCCESS };
  const bound: KubeObject[] = [];
  const delayed: { claim: KubeObject; provisioner?: string }[] = [];
  let missingVolumes = 0;
  for (const name of names) {
    const claim = lister.get('PersistentVolumeClaim', pod.metadata.namespace, name);
    if (!claim) return { status: unresolvable(`persistentvolumeclaim "${name}" not found`) };
    if (claim.metadata.deletionTimestamp) return { status: unresolvable(`persistentvolumeclaim "${name}" is being deleted`) };
    const volumeName: string | undefined = claim.spec?.volumeName || undefined;
    if (volumeName) {
      const pv = lister.get('PersistentVolume', undefined, volumeName);
      if (pv) bound.push(pv);
      else missingVolumes++;
      continue;
    }
    const className = storageClassOf(claim);
    const storageClass = className ? lister.get('StorageClass', undefined, className) : undefined;
    if (volumeBindingMode(storageClass) !== 'WaitForFirstConsumer') return { status: unresolvable(ERR_UNBOUND_IMMEDIATE) };
    delayed.push({ claim, provisioner: storageClass?.provisioner });
  }
  return { status: SUCCESS, state: { bound, missingVolumes, delayed } };
}

/** kube's VolumeBinding Filter for one node, given the cycle's state. */
export function claimsFitNode(state: ClaimsState, node: KubeObject, lister: ObjectLister): Status {
  if (state.missingVolumes > 0) return unresolvable(ERR_PV_NOT_EXIST);
  for (const pv of state.bound) if (!volumeFitsNode(pv, node)) return unresolvable(ERR_VOLUME_NODE_CONFLICT);
  if (state.delayed.length === 0) return SUCCESS;
  const volumes = lister.list('PersistentVolume');
  for (const { claim, provisioner } of state.delayed) {
    if (findBestVolume(claim, volumes, node)) continue;
    // local-path provisions on a node that publishes where its volumes live; other provisioners are trusted to manage.
    if (provisioner === LOCAL_PATH_PROVISIONER ? node.metadata.annotations?.[VOLUMES_DIR_ANNOTATION] : provisioner && provisioner !== 'kubernetes.io/no-provisioner') continue;
    return { code: 'Unschedulable', reasons: [ERR_VOLUME_BIND_CONFLICT] };
  }
  return SUCCESS;
}

/**
 * The VolumeBinding filter: a pod's bound claims pin it to their volumes' nodes, an unbound
 * Immediate claim keeps it Pending, a missing claim is unresolvable, and an unbound
 * WaitForFirstConsumer claim fits a node where a volume can be bound or provisioned (the PV
 * controller does that once the pod is bound, docs/architecture.md). Pods without claims pass
 * at the cost of one look at spec.volumes.
 */
export function volumeBinding(lister: () => ObjectLister | undefined): FilterPlugin {
  const states = new WeakMap<KubeObject, ClaimsState | undefined>();
  return {
    name: 'VolumeBinding',
    preFilter(pod) {
      const l = lister();
      if (!l || !podClaimNames(pod)) return SUCCESS;
      const { status, state } = claimsState(pod, l);
      states.set(pod, state);
      return status;
    },
    filter(pod, info) {
      if (!podClaimNames(pod)) return SUCCESS;
      const l = lister();
      if (!l) return SUCCESS;
      let state = states.get(pod);
      if (!state) {
        const r = claimsState(pod, l);
        if (r.status.code !== 'Success') return r.status;
        state = r.state!;
      }
      return claimsFitNode(state, info.node, l);
    },
  };
}
