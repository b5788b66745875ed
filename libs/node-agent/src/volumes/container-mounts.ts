import type { Mount } from '@logbook/runtime';
import { type PreparedVolume, findVolume, propagationOf, subPathOf } from './mounts';
import { subPathTarget } from './paths';
import { bindSubPath } from './subpath';
import { VolumeError } from './volume-error';

/**
 * The port's mounts for one container (`spec.containers[]`/`initContainers[]` entry) in its
 * volumeMounts order — the kubelet's makeMounts. Throws VolumeError('CreateContainerConfigError')
 * for an unknown volume, an invalid or escaping subPath, a subPathExpr variable missing from
 * `env`, or Bidirectional propagation on an unprivileged container.
 */
export async function containerMounts(podsDir: string, uid: string, volumes: ReadonlyMap<string, PreparedVolume>, container: any, env: Readonly<Record<string, string>>): Promise<Mount[]> {
  const out: Mount[] = [];
  const privileged = container.securityContext?.privileged === true;
  const mounts: any[] = container.volumeMounts ?? [];
  for (const [index, vm] of mounts.entries()) {
    const volume = findVolume(volumes, vm, container.name);
    const propagation = propagationOf(vm.mountPropagation, privileged, container.name);
    const sub = subPathOf(vm, env);
    const hostPath = sub ? await subPath(podsDir, uid, volume, sub, container.name, index) : volume.hostPath;
    out.push({ containerPath: vm.mountPath, hostPath, readOnly: volume.readOnly || vm.readOnly === true, propagation });
  }
  return out;
}

async function subPath(podsDir: string, uid: string, volume: PreparedVolume, sub: string, container: string, index: number): Promise<string> {
  if (!volume.directory) throw new VolumeError('CreateContainerConfigError', `subPath "${sub}" of volume "${volume.name}": the volume is not a directory`, volume.name);
  try {
    return await bindSubPath({ volumePath: volume.hostPath, subPath: sub, target: subPathTarget(podsDir, uid, volume.name, container, index) });
  } catch (err) {
    if (err instanceof VolumeError) throw err;
    throw new VolumeError('CreateContainerConfigError', `failed to prepare subPath for volumeMount "${volume.name}" of container "${container}": ${(err as Error).message}`, volume.name);
  }
}

/** Whether a container needs its environment to compute its mounts (a subPathExpr). */
export function needsEnv(container: any): boolean {
  return (container.volumeMounts ?? []).some((vm: any) => vm.subPathExpr);
}
