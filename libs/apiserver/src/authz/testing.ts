import { type KubeObject, streamName } from '@logbook/kube';
import { ClusterState } from '@logbook/projections';
import { CURRENT_SCHEMA_VERSION } from '@logbook/events';

/** A real ClusterState holding these objects (unit tests of the authorizers). */
export function stateOf(objects: readonly KubeObject[]): ClusterState {
  const state = new ClusterState();
  objects.forEach((object, i) =>
    state.apply({
      id: `e${i}`,
      type: `${object.kind}Created`,
      data: { object },
      metadata: { time: '2026-01-01T00:00:00Z', actor: 'test', schemaVersion: CURRENT_SCHEMA_VERSION },
      position: i + 1,
      stream: streamName(object.kind, object.metadata.namespace, object.metadata.name!),
      revision: 0,
    }),
  );
  return state;
}

const RBAC = 'rbac.authorization.k8s.io';
export const clusterRole = (name: string, rules: unknown[], labels?: Record<string, string>): KubeObject => ({ apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name, ...(labels ? { labels } : {}) }, rules }) as KubeObject;
export const role = (namespace: string, name: string, rules: unknown[]): KubeObject => ({ apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { namespace, name }, rules }) as KubeObject;
export const roleBinding = (namespace: string, name: string, ref: { kind: string; name: string }, subjects: unknown[]): KubeObject =>
  ({ apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: { namespace, name }, roleRef: { apiGroup: RBAC, ...ref }, subjects }) as KubeObject;
export const clusterRoleBinding = (name: string, roleName: string, subjects: unknown[]): KubeObject =>
  ({ apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata: { name }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: roleName }, subjects }) as KubeObject;
