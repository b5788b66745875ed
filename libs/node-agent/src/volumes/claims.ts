import { promises as fs } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { KubeObject } from '@logbook/kube';
import { VolumeError, setUpFailed } from './volume-error';

export interface ClaimReader {
  get(kind: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined>;
  readonly nodeName: string;
}

/**
 * The host directory behind a PersistentVolumeClaim, checked as the kubelet's volume manager
 * checks it (its wording): the claim must exist, be Bound to a PV that names it, and the PV
 * must be a `local` or `hostPath` volume this node can reach. The directory is made when
 * missing (the local provisioner's volumes are plain directories). A claim being deleted
 * stops new pods, not those already using it (`inUse`).
 */
export async function claimVolume(r: ClaimReader, namespace: string, claimName: string, volume: string, inUse: boolean): Promise<string> {
  const key = `${namespace}/${claimName}`;
  const processing = (detail: string, reason: 'FailedMount' | 'VolumeNotReady') => new VolumeError(reason, `error processing PVC ${key}: ${detail}`, volume);
  const pvc = await r.get('PersistentVolumeClaim', namespace, claimName);
  if (!pvc) throw processing(`failed to fetch PVC from API server: persistentvolumeclaims "${claimName}" not found`, 'FailedMount');
  if (pvc.metadata.deletionTimestamp && !inUse) throw processing(`can't start pod because PVC ${key} is being deleted`, 'FailedMount');
  const phase = pvc.status?.phase ?? '';
  const pvName = pvc.spec?.volumeName ?? '';
  if (phase !== 'Bound' || !pvName) throw processing(`PVC ${key} has non-bound phase (${JSON.stringify(phase)}) or empty pvc.Spec.VolumeName (${JSON.stringify(pvName)})`, 'VolumeNotReady');
  const pv = await r.get('PersistentVolume', undefined, pvName);
  if (!pv) throw processing(`failed to fetch PV ${JSON.stringify(pvName)} from API server: persistentvolumes "${pvName}" not found`, 'VolumeNotReady');
  const ref = pv.spec?.claimRef;
  if (ref?.uid && pvc.metadata.uid && ref.uid !== pvc.metadata.uid) throw processing(`the PV ${JSON.stringify(pvName)} is bound to claim uid ${ref.uid}, not ${pvc.metadata.uid}`, 'VolumeNotReady');
  if (pv.spec?.volumeMode === 'Block') throw setUpFailed(volume, `persistent volume "${pvName}" is a block volume; this node mounts filesystem volumes only`);
  const path: string | undefined = pv.spec?.local?.path ?? pv.spec?.hostPath?.path;
  if (!path || !isAbsolute(path)) throw setUpFailed(volume, `persistent volume "${pvName}" has no local or hostPath source this node can mount`);
  const elsewhere = otherNodes(pv, r.nodeName);
  if (elsewhere) throw setUpFailed(volume, `persistent volume "${pvName}" is local to ${elsewhere}, not to node "${r.nodeName}"`);
  await fs.mkdir(path, { recursive: true, mode: 0o755 });
  return path;
}

/**
 * The nodes a local PV is pinned to, when this node is not among them — only the common
 * `kubernetes.io/hostname In [...]` affinity is read (the scheduler checks the rest).
 */
export function otherNodes(pv: KubeObject, nodeName: string): string | undefined {
  const terms: any[] = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? [];
  const named: string[] = [];
  for (const t of terms) {
    const exprs: any[] = t.matchExpressions ?? [];
    const host = exprs.find((e) => e.key === 'kubernetes.io/hostname' && e.operator === 'In');
    if (!host || exprs.length !== 1) return undefined; // a term this check cannot judge: trust the scheduler
    named.push(...(host.values ?? []));
  }
  if (terms.length === 0 || named.includes(nodeName)) return undefined;
  return named.map((n) => `"${n}"`).join(', ');
}
