import { resourceByKind, type KubeObject } from '@logbook/kube';
import type { User } from '../identity/token-file';
import { RBAC_ESCALATION } from './rbac-escalation';
import { clusterRole, role, roleBinding, stateOf } from './testing';

const alice: User = { name: 'alice', uid: 'a', groups: ['system:authenticated'] };
const state = stateOf([
  clusterRole('pod-reader', [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }]),
  clusterRole('secret-reader', [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }]),
  clusterRole('rbac-writer', [{ verbs: ['create', 'update'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'] }]),
  clusterRole('binder', [{ verbs: ['bind'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], resourceNames: ['secret-reader'] }]),
  roleBinding('ns1', 'alice-pods', { kind: 'ClusterRole', name: 'pod-reader' }, [{ kind: 'User', name: 'alice' }]),
  roleBinding('ns1', 'alice-rbac', { kind: 'ClusterRole', name: 'rbac-writer' }, [{ kind: 'User', name: 'alice' }]),
  roleBinding('ns2', 'alice-binds', { kind: 'ClusterRole', name: 'binder' }, [{ kind: 'User', name: 'alice' }]),
]);
const write = (object: KubeObject, user = alice) => () =>
  RBAC_ESCALATION.validate({ operation: 'CREATE', resource: resourceByKind(object.kind)!, namespace: object.metadata.namespace, name: object.metadata.name!, object, user, dryRun: false }, state);

describe('RBAC escalation prevention', () => {
  it('lets a user create a Role with rules it holds there, not more', () => {
    expect(write(role('ns1', 'r', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]))).not.toThrow();
    expect(write(role('ns1', 'r', [{ verbs: ['delete'], apiGroups: [''], resources: ['pods'] }]))).toThrow(
      'roles.rbac.authorization.k8s.io "r" is forbidden: user "alice" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held in namespace "ns1":\n{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}',
    );
    expect(write(role('ns2', 'r', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]))).toThrow(/not currently held/);
  });

  it('lets a user bind a role it holds, or one it may bind', () => {
    expect(write(roleBinding('ns1', 'b', { kind: 'ClusterRole', name: 'pod-reader' }, [{ kind: 'User', name: 'bob' }]))).not.toThrow();
    expect(write(roleBinding('ns1', 'b', { kind: 'ClusterRole', name: 'secret-reader' }, [{ kind: 'User', name: 'bob' }]))).toThrow(/Resources:\["secrets"\], Verbs:\["get"\]/);
    expect(write(roleBinding('ns2', 'b', { kind: 'ClusterRole', name: 'secret-reader' }, [{ kind: 'User', name: 'bob' }]))).not.toThrow();
  });

  it('exempts system:masters', () => {
    expect(write(clusterRole('everything', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }]), { name: 'admin', uid: '', groups: ['system:masters'] })).not.toThrow();
  });
});
