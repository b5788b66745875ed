import { promises as fs } from 'node:fs';
import type { KubeObject } from '@logbook/kube';
import { intValue } from '@logbook/scheduling';
import { mountTmpfs } from './mountinfo';

/**
 * The size of a `medium: Memory` emptyDir's tmpfs as the kubelet sizes memory-backed volumes:
 * the volume's sizeLimit, capped by what the pod may use — the sum of its containers' memory
 * limits when every container has one, else the node's allocatable memory. Bytes.
 */
export function tmpfsSizeBytes(pod: KubeObject, sizeLimit: string | number | undefined, nodeMemory: string): number {
  const containers: any[] = pod.spec?.containers ?? [];
  const limits = containers.map((c) => c.resources?.limits?.memory);
  const podLimit = containers.length && limits.every((l) => l !== undefined) ? limits.reduce((sum, l) => sum + intValue(l), 0) : intValue(nodeMemory);
  return sizeLimit === undefined ? podLimit : Math.min(intValue(sizeLimit), podLimit);
}

/** Sets a volume root's mode and, with a pod fsGroup, its group (setgid, group rwx) as kube's ownership pass does. */
export async function ownVolumeRoot(dir: string, mode: number, gid: number | undefined): Promise<void> {
  if (gid !== undefined) await fs.chown(dir, 0, gid);
  await fs.chmod(dir, gid === undefined ? mode : mode | 0o2070);
}

/**
 * Makes an emptyDir: a directory (0777: containers run as any user) on the node's disk, or a
 * tmpfs for `medium: Memory`. Permissions are set once, when made, so a container's own chmod
 * of the volume root survives later syncs. `mounted` is the set of current mount points.
 */
export async function setUpEmptyDir(dir: string, medium: 'disk' | 'memory', sizeBytes: number, gid: number | undefined, mounted: ReadonlySet<string>): Promise<void> {
  if (medium === 'memory') {
    await fs.mkdir(dir, { recursive: true, mode: 0o750 });
    if (mounted.has(dir)) return;
    await mountTmpfs(dir, [`size=${sizeBytes}`, 'mode=0777']);
    await ownVolumeRoot(dir, 0o777, gid);
    return;
  }
  await fs.mkdir(dir.slice(0, dir.lastIndexOf('/')), { recursive: true, mode: 0o750 });
  const made = await fs.mkdir(dir, { mode: 0o777 }).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'EEXIST') return false;
      throw err;
    },
  );
  if (made) await ownVolumeRoot(dir, 0o777, gid);
}
