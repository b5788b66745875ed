import { labelSelectorFromSpec, matchesLabels } from '../label-selector';
import type { KubeObject } from '../object';
import { type NodeSelectorRequirement, matchesNodeSelectorRequirement } from '../node-selector';
import { IS_DEFAULT_CLASS_ANNOTATION, claimRequest, storageClassOf, volumeCapacity } from './storage';

/**
 * How the PV controller and the scheduler decide that a PersistentVolume can serve a claim
 * (kube's findMatchingVolume / checkVolumeSatisfyClaim). Pure.
 */

/** Whether a node satisfies a PV's required node affinity (no affinity: every node does). */
export function volumeFitsNode(pv: KubeObject, node: KubeObject): boolean {
  const terms: any[] | undefined = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms;
  if (!terms) return true;
  const fields = { 'metadata.name': node.metadata.name ?? '' };
  return terms.some((t) => {
    const exprs: NodeSelectorRequirement[] = t?.matchExpressions ?? [];
    const mf: NodeSelectorRequirement[] = t?.matchFields ?? [];
    if (exprs.length === 0 && mf.length === 0) return false;
    return exprs.every((r) => matchesNodeSelectorRequirement(r, node.metadata.labels)) && mf.every((r) => r.key === 'metadata.name' && matchesNodeSelectorRequirement(r, fields));
  });
}

/** Whether the PV's claimRef names this claim (by namespace and name, and by uid when it has one). */
export function claimRefMatches(pv: KubeObject, pvc: KubeObject): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref) return false;
  if (ref.namespace !== pvc.metadata.namespace || ref.name !== pvc.metadata.name) return false;
  return !ref.uid || ref.uid === pvc.metadata.uid;
}

/** Why the PV cannot serve the claim (kube's checkVolumeSatisfyClaim wording), or undefined when it can. */
export function volumeMismatch(pv: KubeObject, pvc: KubeObject): string | undefined {
  const request = claimRequest(pvc) ?? 0;
  const capacity = volumeCapacity(pv) ?? 0;
  if (capacity < request) return 'requested PV is too small';
  if (storageClassOf(pv) !== storageClassOf(pvc)) return 'storageClassName does not match';
  if ((pv.spec?.volumeMode ?? 'Filesystem') !== (pvc.spec?.volumeMode ?? 'Filesystem')) return 'incompatible volumeMode';
  const have = new Set<string>(pv.spec?.accessModes ?? []);
  if (!(pvc.spec?.accessModes ?? []).every((m: string) => have.has(m))) return 'incompatible accessMode';
  return undefined;
}

/**
 * The volume to bind a claim to: a PV pre-bound to it (claimRef) first, else the smallest
 * available PV that satisfies it (class, volumeMode, access modes, capacity, selector), names
 * breaking ties. With `node`, only PVs whose node affinity that node satisfies (delayed binding).
 */
export function findBestVolume(pvc: KubeObject, volumes: readonly KubeObject[], node?: KubeObject): KubeObject | undefined {
  const selector = pvc.spec?.selector ? labelSelectorFromSpec(pvc.spec.selector) : undefined;
  let best: KubeObject | undefined;
  for (const pv of volumes) {
    if (pv.metadata.deletionTimestamp) continue;
    const preBound = claimRefMatches(pv, pvc);
    if (!preBound && pv.spec?.claimRef) continue;
    if (pv.status?.phase && pv.status.phase !== 'Available' && pv.status.phase !== 'Pending' && !preBound) continue;
    if (volumeMismatch(pv, pvc) !== undefined) continue;
    if (node && !volumeFitsNode(pv, node)) continue;
    if (preBound) return pv;
    // A selector narrows the candidates, but a PV pre-bound to the claim does not need to match it.
    if (selector && !matchesLabels(selector, pv.metadata.labels)) continue;
    if (!best || compare(pv, best) < 0) best = pv;
  }
  return best;
}

function compare(a: KubeObject, b: KubeObject): number {
  const d = (volumeCapacity(a) ?? 0) - (volumeCapacity(b) ?? 0);
  return d !== 0 ? d : String(a.metadata.name).localeCompare(String(b.metadata.name));
}

/**
 * kube-apiserver's DefaultStorageClass admission: a claim created without `spec.storageClassName`
 * (nil, not "") and without the beta annotation gets the class marked is-default-class: "true";
 * with several, the newest (as Kubernetes 1.28+). Returns the claim to store; pure.
 */
export function withDefaultStorageClass(pvc: KubeObject, classes: readonly KubeObject[]): KubeObject {
  if (pvc.kind !== 'PersistentVolumeClaim') return pvc;
  if (pvc.spec?.storageClassName !== undefined && pvc.spec?.storageClassName !== null) return pvc;
  if (pvc.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] !== undefined) return pvc;
  const defaults = classes
    .filter((c) => c.metadata.annotations?.[IS_DEFAULT_CLASS_ANNOTATION] === 'true' && !c.metadata.deletionTimestamp)
    .sort((a, b) => String(b.metadata.creationTimestamp ?? '').localeCompare(String(a.metadata.creationTimestamp ?? '')) || String(a.metadata.name).localeCompare(String(b.metadata.name)));
  if (defaults.length === 0) return pvc;
  return { ...pvc, spec: { ...pvc.spec, storageClassName: defaults[0].metadata.name } };
}

/** The StorageClass `logbook up` starts with (created when absent; see docs/architecture.md). */
export function defaultStorageClassObject(isDefault: boolean): KubeObject {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: 'standard', ...(isDefault ? { annotations: { [IS_DEFAULT_CLASS_ANNOTATION]: 'true' } } : {}) },
    provisioner: 'logbook.io/local-path',
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
    allowVolumeExpansion: false,
  };
}
