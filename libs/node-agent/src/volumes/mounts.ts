import type { Mount } from '@logbook/runtime';
import { VolumeError } from './volume-error';

/** A pod volume as prepared on this node: where it lives and whether containers may write it. */
export interface PreparedVolume {
  readonly name: string;
  readonly hostPath: string;
  /** Mounted read-only whatever the volumeMount says (API-data volumes, read-only claims). */
  readonly readOnly: boolean;
  /** Whether subPath may be used into it: a hostPath to a file or socket has no inside. */
  readonly directory: boolean;
}

/**
 * `subPathExpr` expanded from the container's environment as the kubelet does: `$(VAR)` is
 * the variable's value, `$$` an escaped `$`; a variable that is unset or empty is an error
 * (kube refuses to fall back to the volume's root).
 */
export function expandSubPathExpr(expr: string, env: Readonly<Record<string, string>>): string {
  const missing = new Set<string>();
  const out = expr.replace(/\$\$|\$\(([^)]*)\)/g, (all, name?: string) => {
    if (all === '$$') return '$';
    const value = env[name!];
    if (!value) missing.add(name!);
    return value ?? '';
  });
  if (missing.size) throw new VolumeError('CreateContainerConfigError', `missing value for ${[...missing].sort().join(', ')}`);
  return out;
}

/** volumeMounts[].mountPropagation → the port's propagation; Bidirectional needs a privileged container, as in kube. */
export function propagationOf(mode: string | undefined, privileged: boolean, container: string): Mount['propagation'] {
  switch (mode ?? 'None') {
    case 'None':
      return 'private';
    case 'HostToContainer':
      return 'rslave';
    case 'Bidirectional':
      if (!privileged) throw new VolumeError('CreateContainerConfigError', `Bidirectional mount propagation is available only to privileged containers (container "${container}")`);
      return 'rshared';
    default:
      throw new VolumeError('CreateContainerConfigError', `invalid mountPropagation ${JSON.stringify(mode)} for container "${container}"`);
  }
}

/** The subPath a volumeMount asks for (subPathExpr expanded), or undefined for the whole volume. */
export function subPathOf(vm: { subPath?: string; subPathExpr?: string }, env: Readonly<Record<string, string>>): string | undefined {
  if (vm.subPath && vm.subPathExpr) throw new VolumeError('CreateContainerConfigError', 'subPath and subPathExpr are mutually exclusive');
  const sub = vm.subPathExpr ? expandSubPathExpr(vm.subPathExpr, env) : vm.subPath;
  return sub ? sub : undefined;
}

export function findVolume(volumes: ReadonlyMap<string, PreparedVolume>, vm: { name: string }, container: string): PreparedVolume {
  const v = volumes.get(vm.name);
  if (!v) throw new VolumeError('CreateContainerConfigError', `cannot find volume "${vm.name}" to mount into container "${container}"`, vm.name);
  return v;
}
