import { type KubeObject, type ResourceInfo, resourceByKind, streamName } from '@logbook/kube';
import { ClusterState } from '@logbook/projections';
import type { AdmissionOperation, AdmissionRequest } from './admission';

/** A real ClusterState holding `objects`, for the admission plugins' unit tests. */
export function stateWith(...objects: KubeObject[]): ClusterState {
  const state = new ClusterState();
  state.loadEntries(
    1,
    objects.map((o) => [streamName(o.kind, resourceByKind(o.kind)?.namespaced ? o.metadata.namespace : undefined, o.metadata.name!), JSON.stringify(o)] as const),
  );
  return state;
}

export function requestFor(object: KubeObject, opts: { operation?: AdmissionOperation; oldObject?: KubeObject; subresource?: string; dryRun?: boolean } = {}): AdmissionRequest {
  const resource = resourceByKind(object.kind) as ResourceInfo;
  return {
    operation: opts.operation ?? 'CREATE',
    resource,
    subresource: opts.subresource,
    namespace: resource.namespaced ? object.metadata.namespace : undefined,
    name: object.metadata.name!,
    object,
    oldObject: opts.oldObject,
    user: { name: 'alice', uid: '1', groups: ['system:authenticated'] },
    dryRun: opts.dryRun ?? false,
  };
}

export const aNamespace = (name: string, labels: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });

export const aPod = (name: string, namespace: string, spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, ...metadata },
  spec,
});
