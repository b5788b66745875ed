import type { KubeObject } from '@logbook/kube';
import { intValue, milliValue } from '@logbook/scheduling';

/** What a container may use when it states no limit: the node's allocatable resources. */
export interface NodeAllocatable {
  readonly cpu: string;
  readonly memory: string;
  readonly 'ephemeral-storage'?: string;
}

export interface ResourceFieldRef {
  readonly containerName?: string;
  readonly resource: string;
  readonly divisor?: string | number;
}

/**
 * A downward API `resourceFieldRef` as the kubelet renders it: the container's limit (the
 * node's allocatable when it has none) or request (the API defaults it to the limit; none is
 * 0), divided by the divisor and rounded up — `limits.cpu` of `250m` is `1` with the default
 * divisor, `250` with `1m`.
 */
export function resourceFieldValue(pod: KubeObject, ref: ResourceFieldRef, allocatable: NodeAllocatable): string {
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  const container = ref.containerName ? containers.find((c: any) => c.name === ref.containerName) : containers[0];
  if (!container) throw new Error(`container "${ref.containerName}" not found in pod ${pod.metadata.namespace}/${pod.metadata.name}`);
  const [kind, resource] = ref.resource.split('.', 2) as [string, string];
  if ((kind !== 'limits' && kind !== 'requests') || !['cpu', 'memory', 'ephemeral-storage'].includes(resource)) throw new Error(`unsupported container resource : ${ref.resource}`);
  const limits = container.resources?.limits ?? {};
  const requests = container.resources?.requests ?? {};
  const node = (allocatable as unknown as Record<string, string | undefined>)[resource] ?? '0';
  const value = kind === 'limits' ? (limits[resource] ?? node) : (requests[resource] ?? limits[resource] ?? '0');
  const divisor = ref.divisor ?? '1';
  if (resource === 'cpu') return String(Math.ceil(milliValue(value) / milliValue(divisor)));
  return String(Math.ceil(intValue(value) / intValue(divisor)));
}
