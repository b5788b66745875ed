import {
  HOSTNAME_LABEL,
  type KubeObject,
  LOCAL_PATH_PROVISIONER,
  SELECTED_NODE_ANNOTATION,
  VOLUMES_DIR_ANNOTATION,
  claimRefMatches,
  findBestVolume,
  volumeMismatch,
  storageClassOf,
  volumeBindingMode,
} from '@logbook/kube';
import { isTrue } from '../shared/conditions';

/**
 * The PersistentVolume binder's decisions (kube's pkg/controller/volume/persistentvolume
 * syncClaim / syncVolume), pure: what one claim or one volume needs next, given what the
 * controller's cache shows. The controller turns each decision into writes.
 */
export interface VolumeView {
  volume(name: string): KubeObject | undefined;
  volumes(): readonly KubeObject[];
  claim(namespace: string, name: string): KubeObject | undefined;
  storageClass(name: string): KubeObject | undefined;
  node(name: string): KubeObject | undefined;
  nodes(): readonly KubeObject[];
  /** Pods of the claim's namespace with a volume naming it, not finished. */
  podsUsing(claim: KubeObject): readonly KubeObject[];
}

export type ClaimDecision =
  | { readonly type: 'Nothing' }
  /** Bind claim and volume: the PV's claimRef and phase, the claim's volumeName, phase, capacity. */
  | { readonly type: 'Bind'; readonly volume: KubeObject }
  /** Create a local-path PV for the claim on this node, pre-bound to it. */
  | { readonly type: 'Provision'; readonly storageClass: KubeObject; readonly node: KubeObject; readonly volumesDir: string }
  /** Stay Pending, saying why (a Kubernetes Event on the claim). */
  | { readonly type: 'Pending'; readonly eventType: 'Normal' | 'Warning'; readonly reason: string; readonly message: string }
  | { readonly type: 'Lost'; readonly message: string };

export type VolumeDecision =
  | { readonly type: 'Nothing' }
  | { readonly type: 'Phase'; readonly phase: 'Available' | 'Bound' | 'Released' | 'Failed'; readonly message?: string }
  /** The controller bound it to a claim that is now bound elsewhere: back to Available. */
  | { readonly type: 'Unbind' }
  /** Released with reclaimPolicy Delete: the PV object goes (the node agent removes a local-path directory). */
  | { readonly type: 'Delete' };

export const BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';

const nothing: ClaimDecision = { type: 'Nothing' };
export const nodeIsReady = (node: KubeObject): boolean => isTrue(node.status?.conditions, 'Ready');
const isHollow = (node: KubeObject): boolean => node.metadata.labels?.['node.logbook.io/hollow'] === 'true';

/** The node a delayed-binding claim goes to: the one already selected, else that of its first bound consumer. */
export function selectedNode(claim: KubeObject, view: VolumeView): string | undefined {
  const selected = claim.metadata.annotations?.[SELECTED_NODE_ANNOTATION];
  if (selected) return selected;
  const bound = view
    .podsUsing(claim)
    .filter((p) => p.spec?.nodeName)
    .sort((a, b) => String(a.metadata.creationTimestamp ?? '').localeCompare(String(b.metadata.creationTimestamp ?? '')) || String(a.metadata.name).localeCompare(String(b.metadata.name)));
  return bound[0]?.spec.nodeName;
}

/** An Immediate local-path claim's node: Ready, publishing a volumes directory; chosen by the claim's uid so claims spread. */
export function immediateNode(claim: KubeObject, view: VolumeView): KubeObject | undefined {
  const candidates = view
    .nodes()
    .filter((n) => nodeIsReady(n) && !isHollow(n) && !n.spec?.unschedulable && n.metadata.annotations?.[VOLUMES_DIR_ANNOTATION])
    .sort((a, b) => String(a.metadata.name).localeCompare(String(b.metadata.name)));
  if (candidates.length === 0) return undefined;
  let h = 0;
  for (const ch of claim.metadata.uid ?? claim.metadata.name ?? '') h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return candidates[h % candidates.length];
}

/** What an unbound or bound claim needs (kube's syncUnboundClaim / syncBoundClaim). */
export function decideClaim(claim: KubeObject, view: VolumeView): ClaimDecision {
  if (claim.metadata.deletionTimestamp) return nothing;
  const volumeName: string | undefined = claim.spec?.volumeName || undefined;
  if (volumeName) return decideBoundClaim(claim, volumeName, view);

  const className = storageClassOf(claim);
  const storageClass = className ? view.storageClass(className) : undefined;
  const delayed = volumeBindingMode(storageClass) === 'WaitForFirstConsumer';
  let node: KubeObject | undefined;
  if (delayed) {
    const nodeName = selectedNode(claim, view);
    if (!nodeName) return { type: 'Pending', eventType: 'Normal', reason: 'WaitForFirstConsumer', message: 'waiting for first consumer to be created before binding' };
    node = view.node(nodeName);
    if (!node) return { type: 'Pending', eventType: 'Warning', reason: 'ProvisioningFailed', message: `node "${nodeName}" not found` };
  }
  const match = findBestVolume(claim, view.volumes(), node);
  if (match) return { type: 'Bind', volume: match };
  if (!className) return { type: 'Pending', eventType: 'Normal', reason: 'FailedBinding', message: 'no persistent volumes available for this claim and no storage class is set' };
  if (!storageClass) return { type: 'Pending', eventType: 'Warning', reason: 'ProvisioningFailed', message: `storageclass.storage.k8s.io "${className}" not found` };
  if (storageClass.provisioner !== LOCAL_PATH_PROVISIONER) {
    if (storageClass.provisioner === 'kubernetes.io/no-provisioner') return { type: 'Pending', eventType: 'Normal', reason: 'FailedBinding', message: 'no persistent volumes available for this claim and no storage class is set' };
    return {
      type: 'Pending',
      eventType: 'Normal',
      reason: 'ExternalProvisioning',
      message: `Waiting for a volume to be created either by the external provisioner '${storageClass.provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
    };
  }
  node ??= immediateNode(claim, view);
  if (!node) return { type: 'Pending', eventType: 'Normal', reason: 'Provisioning', message: 'waiting for a Ready node that publishes a volumes directory (annotation logbook.io/volumes-dir)' };
  const volumesDir = node.metadata.annotations?.[VOLUMES_DIR_ANNOTATION];
  if (!volumesDir) {
    return { type: 'Pending', eventType: 'Normal', reason: 'Provisioning', message: `waiting for node "${node.metadata.name}" to publish its volumes directory (annotation ${VOLUMES_DIR_ANNOTATION})` };
  }
  return { type: 'Provision', storageClass, node, volumesDir };
}

function decideBoundClaim(claim: KubeObject, volumeName: string, view: VolumeView): ClaimDecision {
  const volume = view.volume(volumeName);
  if (!volume) {
    if (claim.status?.phase === 'Bound' || claim.status?.phase === 'Lost') {
      return claim.status?.phase === 'Lost' ? nothing : { type: 'Lost', message: 'Bound claim has lost its PersistentVolume. Data on the volume is lost!' };
    }
    return nothing; // pre-bound by the user to a volume that does not exist yet
  }
  const ref = volume.spec?.claimRef;
  if (ref?.uid !== claim.metadata.uid) {
    // Pre-bound by the user (volumeName): kube refuses a volume that cannot serve the claim.
    const why = (!ref || claimRefMatches(volume, claim)) && volumeMismatch(volume, claim);
    if (why) return { type: 'Pending', eventType: 'Warning', reason: 'VolumeMismatch', message: `Cannot bind to requested volume "${volumeName}": ${why}` };
  }
  if (!ref || claimRefMatches(volume, claim)) {
    // Ours (or free, pre-bound by volumeName): finish whatever part of the binding is missing.
    const done = ref?.uid === claim.metadata.uid && volume.status?.phase === 'Bound' && claim.status?.phase === 'Bound' && claim.metadata.annotations?.['pv.kubernetes.io/bind-completed'] === 'yes' && !!claim.status?.capacity;
    return done ? nothing : { type: 'Bind', volume };
  }
  if (claim.status?.phase === 'Lost') return nothing;
  return { type: 'Lost', message: 'Two claims are bound to the same volume, this one is bound incorrectly' };
}

/** What a volume needs (kube's syncVolume), including reclaim once its claim is gone. */
export function decideVolume(volume: KubeObject, view: VolumeView): VolumeDecision {
  if (volume.metadata.deletionTimestamp) return { type: 'Nothing' };
  const phase = volume.status?.phase;
  const setPhase = (p: 'Available' | 'Bound' | 'Released' | 'Failed', message?: string): VolumeDecision => (phase === p ? { type: 'Nothing' } : { type: 'Phase', phase: p, message });
  const ref = volume.spec?.claimRef;
  if (!ref) return setPhase('Available');
  const claim = ref.namespace && ref.name ? view.claim(ref.namespace, ref.name) : undefined;
  if (!ref.uid) return setPhase('Available'); // pre-bound by name; the claim's sync binds it
  if (claim && claim.metadata.uid === ref.uid) {
    if (claim.spec?.volumeName === volume.metadata.name) return setPhase('Bound');
    if (!claim.spec?.volumeName) return { type: 'Nothing' }; // binding in progress: the claim's sync finishes it
    // The claim went to another volume.
    if (volume.metadata.annotations?.[BOUND_BY_CONTROLLER] === 'yes') return { type: 'Unbind' };
  }
  // The claim is gone (or is a new one under the same name): reclaim.
  const policy = volume.spec?.persistentVolumeReclaimPolicy ?? 'Retain';
  if (policy === 'Delete') return phase === 'Failed' ? { type: 'Nothing' } : { type: 'Delete' };
  if (policy === 'Recycle') return setPhase('Failed', 'Recycle is not supported by Logbook; delete the volume or set persistentVolumeReclaimPolicy Retain');
  return phase === 'Failed' ? { type: 'Nothing' } : setPhase('Released');
}

/** The hostname label value kube's local volumes are pinned by (falls back to the node's name). */
export const hostnameOf = (node: KubeObject): string => node.metadata.labels?.[HOSTNAME_LABEL] ?? node.metadata.name!;
