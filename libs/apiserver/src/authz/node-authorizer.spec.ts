import type { KubeObject } from '@logbook/kube';
import type { User } from '../identity/token-file';
import type { RequestAttributes } from './authorizer';
import { NodeAuthorizer, nodeNameOf } from './node-authorizer';
import { stateOf } from './testing';

const node1: User = { name: 'system:node:n1', uid: '', groups: ['system:nodes', 'system:authenticated'] };
const pod = (name: string, nodeName: string, spec: Record<string, unknown> = {}): KubeObject =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'ns', name }, spec: { nodeName, containers: [{ name: 'c', image: 'i' }], ...spec } }) as KubeObject;

const state = stateOf([
  pod('a', 'n1', {
    volumes: [{ name: 'v', secret: { secretName: 'vol-secret' } }, { name: 'd', persistentVolumeClaim: { claimName: 'data' } }, { name: 'p', projected: { sources: [{ configMap: { name: 'kube-root-ca.crt' } }] } }],
    containers: [{ name: 'c', image: 'i', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'env-cm', key: 'k' } } }], envFrom: [{ secretRef: { name: 'env-secret' } }] }],
    serviceAccountName: 'runner',
  }),
  pod('b', 'n2', { volumes: [{ name: 'v', secret: { secretName: 'other-secret' } }] }),
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { namespace: 'ns', name: 'data' }, spec: { volumeName: 'pv-1' } } as KubeObject,
]);
const authz = new NodeAuthorizer(() => state);
const ask = (verb: string, resource: string, extra: Partial<RequestAttributes> = {}, user = node1) => authz.authorize({ user, verb, resourceRequest: true, apiGroup: '', resource, namespace: 'ns', ...extra });

describe('NodeAuthorizer', () => {
  it('knows a node by name and group', () => {
    expect(nodeNameOf(node1)).toBe('n1');
    expect(nodeNameOf({ name: 'system:node:n1', groups: [] })).toBeUndefined();
    expect(nodeNameOf({ name: 'alice', groups: ['system:nodes'] })).toBeUndefined();
  });

  it('lets a node get the secrets and configmaps its pods use, and nothing else', () => {
    for (const name of ['vol-secret', 'env-secret']) expect(ask('get', 'secrets', { name }).allowed).toBe(true);
    for (const name of ['env-cm', 'kube-root-ca.crt']) expect(ask('get', 'configmaps', { name }).allowed).toBe(true);
    expect(ask('get', 'secrets', { name: 'other-secret' })).toEqual({ allowed: false, decided: true, reason: "no relationship found between node 'n1' and this object" });
    expect(ask('get', 'secrets', { name: 'vol-secret', namespace: 'elsewhere' }).allowed).toBe(false);
    expect(ask('list', 'secrets')).toMatchObject({ allowed: false, decided: true });
  });

  it('follows claims to their volumes', () => {
    expect(ask('get', 'persistentvolumeclaims', { name: 'data' }).allowed).toBe(true);
    expect(ask('get', 'persistentvolumes', { name: 'pv-1', namespace: undefined }).allowed).toBe(true);
    expect(ask('get', 'persistentvolumes', { name: 'pv-2', namespace: undefined }).allowed).toBe(false);
  });

  it('issues tokens only for its pods\' service accounts', () => {
    expect(ask('create', 'serviceaccounts', { name: 'runner', subresource: 'token' }).allowed).toBe(true);
    expect(ask('create', 'serviceaccounts', { name: 'default', subresource: 'token' }).allowed).toBe(false);
  });

  it('writes only its own Node, Lease and pods', () => {
    expect(ask('update', 'nodes', { name: 'n1', namespace: undefined, subresource: 'status' }).allowed).toBe(true);
    expect(ask('patch', 'nodes', { name: 'n2', namespace: undefined })).toMatchObject({ allowed: false, decided: true });
    expect(ask('get', 'nodes', { name: 'n2', namespace: undefined }).decided).toBe(false);
    expect(ask('update', 'pods', { name: 'a', subresource: 'status' }).allowed).toBe(true);
    expect(ask('update', 'pods', { name: 'b', subresource: 'status' }).allowed).toBe(false);
    expect(ask('delete', 'pods', { name: 'b' }).allowed).toBe(false);
    const lease = (name: string, namespace = 'kube-node-lease') => ask('update', 'leases', { apiGroup: 'coordination.k8s.io', name, namespace });
    expect(lease('n1').allowed).toBe(true);
    expect(lease('n2').allowed).toBe(false);
    expect(lease('n1', 'default').allowed).toBe(false);
  });

  it('has no opinion on other users and other requests', () => {
    expect(ask('get', 'secrets', { name: 'vol-secret' }, { name: 'alice', uid: '', groups: [] }).decided).toBe(false);
    expect(ask('list', 'pods').decided).toBe(false);
    expect(authz.authorize({ user: node1, verb: 'get', resourceRequest: false, path: '/metrics' }).decided).toBe(false);
  });
});
