import type { User } from '../identity/token-file';
import type { RequestAttributes } from './authorizer';
import { forbidden } from './forbidden';
import { RbacAuthorizer } from './rbac-authorizer';
import { ruleAllows, rulesCover } from './rbac-rules';
import { requestAttributes } from './request-attributes';
import { clusterRole, clusterRoleBinding, role, roleBinding, stateOf } from './testing';

const alice: User = { name: 'alice', uid: 'a', groups: ['dev'] };
const res = (verb: string, resource: string, extra: Partial<RequestAttributes> = {}): RequestAttributes => ({ user: alice, verb, resourceRequest: true, apiGroup: '', resource, ...extra });

describe('ruleAllows', () => {
  it.each([
    ['exact verb, group and resource', { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, res('get', 'pods'), true],
    ['another verb', { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, res('list', 'pods'), false],
    ['another group', { verbs: ['get'], apiGroups: ['apps'], resources: ['pods'] }, res('get', 'pods'), false],
    ['* everywhere', { verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, res('delete', 'secrets', { subresource: 'x' }), true],
    ['a subresource needs resource/sub', { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, res('get', 'pods', { subresource: 'log' }), false],
    ['resource/sub', { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }, res('get', 'pods', { subresource: 'log' }), true],
    ['*/sub', { verbs: ['update'], apiGroups: [''], resources: ['*/status'] }, res('update', 'pods', { subresource: 'status' }), true],
    ['*/sub is not the resource', { verbs: ['update'], apiGroups: [''], resources: ['*/status'] }, res('update', 'pods'), false],
    ['resourceNames limit names', { verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] }, res('get', 'secrets', { name: 'b' }), false],
    ['resourceNames allow the name', { verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] }, res('get', 'secrets', { name: 'a' }), true],
    ['resourceNames never allow a list', { verbs: ['list'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] }, res('list', 'secrets'), false],
    ['a resource rule is no URL rule', { verbs: ['get'], apiGroups: ['*'], resources: ['*'] }, { user: alice, verb: 'get', resourceRequest: false, path: '/metrics' }, false],
    ['URL exact', { verbs: ['get'], nonResourceURLs: ['/metrics'] }, { user: alice, verb: 'get', resourceRequest: false, path: '/metrics' }, true],
    ['URL prefix*', { verbs: ['get'], nonResourceURLs: ['/apis/*'] }, { user: alice, verb: 'get', resourceRequest: false, path: '/apis/apps/v1' }, true],
    ['URL prefix* is a prefix', { verbs: ['get'], nonResourceURLs: ['/api/*'] }, { user: alice, verb: 'get', resourceRequest: false, path: '/apis' }, false],
  ] as const)('%s', (_name, rule, attrs, allowed) => {
    expect(ruleAllows(attrs as RequestAttributes, rule)).toBe(allowed);
  });
});

describe('rulesCover (escalation check)', () => {
  const owner = [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'pods/log'] }];
  it('covers a subset, not more', () => {
    expect(rulesCover(owner, [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }])).toEqual([]);
    expect(rulesCover(owner, [{ verbs: ['get', 'delete'], apiGroups: [''], resources: ['pods'] }])).toEqual([{ verbs: ['delete'], apiGroups: [''], resources: ['pods'] }]);
    expect(rulesCover(owner, [{ verbs: ['get'], apiGroups: ['*'], resources: ['pods'] }])).toHaveLength(1);
    expect(rulesCover([{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] }], [{ verbs: ['get'], nonResourceURLs: ['/metrics'] }])).toEqual([]);
  });
});

describe('RbacAuthorizer', () => {
  const view = clusterRole('view', [{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods'] }]);
  const state = stateOf([
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns1' } },
    view,
    clusterRole('nodes-reader', [{ verbs: ['get'], apiGroups: [''], resources: ['nodes'] }]),
    role('ns2', 'cm-writer', [{ verbs: ['create'], apiGroups: [''], resources: ['configmaps'] }]),
    roleBinding('ns1', 'x', { kind: 'ClusterRole', name: 'view' }, [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' }]),
    roleBinding('ns2', 'writers', { kind: 'Role', name: 'cm-writer' }, [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'dev' }]),
    roleBinding('ns2', 'robots', { kind: 'Role', name: 'cm-writer' }, [{ kind: 'ServiceAccount', name: 'bot' }]),
    clusterRoleBinding('everyone-nodes', 'nodes-reader', [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:authenticated' }]),
  ]);
  const rbac = new RbacAuthorizer(() => state);

  it('allows by a RoleBinding of a ClusterRole in its namespace only, with kube\'s reason', () => {
    expect(rbac.authorize(res('get', 'pods', { namespace: 'ns1', name: 'p' }))).toEqual({ allowed: true, decided: true, reason: 'RBAC: allowed by RoleBinding "x/ns1" of ClusterRole "view" to User "alice"' });
    expect(rbac.authorize(res('get', 'pods', { namespace: 'ns2' })).allowed).toBe(false);
    expect(rbac.authorize(res('get', 'pods')).allowed).toBe(false);
    expect(rbac.authorize(res('create', 'pods', { namespace: 'ns1' }))).toEqual({ allowed: false, decided: false, reason: '' });
  });

  it('matches groups, system:authenticated and service accounts', () => {
    expect(rbac.authorize(res('create', 'configmaps', { namespace: 'ns2' })).reason).toBe('RBAC: allowed by RoleBinding "writers/ns2" of Role "cm-writer" to Group "dev"');
    expect(rbac.authorize(res('get', 'nodes', { name: 'n1' })).reason).toBe('RBAC: allowed by ClusterRoleBinding "everyone-nodes" of ClusterRole "nodes-reader" to Group "system:authenticated"');
    const bot: User = { name: 'system:serviceaccount:ns2:bot', uid: 'b', groups: [] };
    expect(rbac.authorize({ ...res('create', 'configmaps', { namespace: 'ns2' }), user: bot }).reason).toBe('RBAC: allowed by RoleBinding "robots/ns2" of Role "cm-writer" to ServiceAccount "bot/ns2"');
  });

  it('lists the rules that apply in a namespace', () => {
    expect(rbac.rulesFor(alice, 'ns1')).toEqual([{ verbs: ['get'], apiGroups: [''], resources: ['nodes'] }, { verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods'] }]);
  });

  it('follows binding changes once told', () => {
    const s = stateOf([view]);
    const authz = new RbacAuthorizer(() => s);
    expect(authz.authorize(res('get', 'pods', { namespace: 'ns1' })).allowed).toBe(false);
    s.apply({ id: 'b', type: 'RoleBindingCreated', data: { object: roleBinding('ns1', 'late', { kind: 'ClusterRole', name: 'view' }, [{ kind: 'User', name: 'alice' }]) }, metadata: { time: '2026-01-01T00:00:00Z', actor: 't', schemaVersion: 1 } as never, position: 10, stream: 'RoleBinding/ns1/late', revision: 0 });
    authz.changed('RoleBinding/ns1/late');
    expect(authz.authorize(res('get', 'pods', { namespace: 'ns1' })).allowed).toBe(true);
  });
});

describe('requestAttributes (kube RequestInfo)', () => {
  const q = (s = '') => new URLSearchParams(s);
  it.each([
    ['GET', '/api/v1/namespaces/ns1/pods', '', { verb: 'list', resource: 'pods', namespace: 'ns1', apiGroup: '' }],
    ['GET', '/api/v1/namespaces/ns1/pods', 'watch=true', { verb: 'watch', resource: 'pods', namespace: 'ns1' }],
    ['GET', '/api/v1/namespaces/ns1/pods', 'fieldSelector=metadata.name%3Dx', { verb: 'list', name: 'x' }],
    ['GET', '/api/v1/namespaces/ns1/pods/x/log', '', { verb: 'get', resource: 'pods', subresource: 'log', name: 'x' }],
    ['GET', '/api/v1/namespaces/ns1/pods/x/exec', '', { verb: 'create', subresource: 'exec' }],
    ['POST', '/apis/apps/v1/namespaces/ns1/deployments', '', { verb: 'create', apiGroup: 'apps', resource: 'deployments' }],
    ['PUT', '/api/v1/nodes/n1/status', '', { verb: 'update', resource: 'nodes', name: 'n1', subresource: 'status' }],
    ['DELETE', '/api/v1/namespaces/ns1/pods', '', { verb: 'deletecollection' }],
    ['GET', '/api/v1/namespaces/ns1', '', { verb: 'get', resource: 'namespaces', name: 'ns1', namespace: 'ns1' }],
    ['PUT', '/api/v1/namespaces/ns1/finalize', '', { verb: 'update', resource: 'namespaces', name: 'ns1', subresource: 'finalize' }],
    ['GET', '/api/v1/watch/namespaces/ns1/pods', '', { verb: 'watch', resource: 'pods' }],
  ] as const)('%s %s?%s', (method, path, query, expected) => {
    expect(requestAttributes(alice, method, path, q(query))).toMatchObject({ resourceRequest: true, ...expected });
  });

  it.each(['/metrics', '/api', '/api/v1', '/apis', '/apis/apps/v1', '/apis/logbook.io/v1/history', '/openapi/v2'])('%s is a non-resource path', (path) => {
    expect(requestAttributes(alice, 'GET', path, q())).toEqual({ user: alice, verb: 'get', resourceRequest: false, path });
  });
});

describe('forbidden (kube 403 wording)', () => {
  it.each([
    [res('create', 'pods', { namespace: 'ns1' }), 'pods is forbidden: User "alice" cannot create resource "pods" in API group "" in the namespace "ns1"'],
    [res('get', 'pods', { namespace: 'ns1', name: 'x' }), 'pods "x" is forbidden: User "alice" cannot get resource "pods" in API group "" in the namespace "ns1"'],
    [res('list', 'deployments', { apiGroup: 'apps' }), 'deployments.apps is forbidden: User "alice" cannot list resource "deployments" in API group "apps" at the cluster scope'],
    [res('get', 'pods', { namespace: 'ns1', name: 'x', subresource: 'log' }), 'pods "x" is forbidden: User "alice" cannot get resource "pods/log" in API group "" in the namespace "ns1"'],
    [{ user: alice, verb: 'get', resourceRequest: false, path: '/metrics' }, 'forbidden: User "alice" cannot get path "/metrics"'],
  ] as const)('%#', (attrs, message) => {
    const err = forbidden(attrs as RequestAttributes);
    expect([err.code, err.reason, err.message]).toEqual([403, 'Forbidden', message]);
  });

  it('carries name, group and kind in the details', () => {
    expect(forbidden(res('get', 'deployments', { apiGroup: 'apps', namespace: 'n', name: 'web' })).details).toEqual({ name: 'web', group: 'apps', kind: 'deployments' });
  });
});
