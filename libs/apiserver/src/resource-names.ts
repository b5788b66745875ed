import type { ResourceInfo } from '@logbook/kube';

/** `deployments.apps`, `pods`: how kube names a resource in Status messages. */
export function qualifiedName(r: ResourceInfo): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

/** `Deployment.apps`, `Pod`: how kube names a kind in 422 messages. */
export function kindWithGroup(r: ResourceInfo): string {
  return r.group ? `${r.kind}.${r.group}` : r.kind;
}
