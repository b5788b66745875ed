import type { IncomingMessage } from 'node:http';
import { AuthenticatorChain, BearerTokenAuthenticator, type RequestAuthenticator } from './authenticator';
import { userOfCertificate } from './x509';
import { impersonate } from './impersonation';
import type { Authorizer, RequestAttributes } from '../authz/authorizer';

const req = (headers: Record<string, string | string[]>) => ({ headers, socket: {} }) as unknown as IncomingMessage;
const fixed = (name: string | undefined): RequestAuthenticator => ({ authenticate: () => (name ? { name, uid: '', groups: ['g'] } : undefined) });

describe('the authenticator chain', () => {
  it('takes the first authenticator that knows the caller and adds system:authenticated', () => {
    const chain = new AuthenticatorChain([fixed(undefined), fixed('x509-user'), fixed('token-user')]);
    expect(chain.authenticate(req({}))).toEqual({ name: 'x509-user', uid: '', groups: ['g', 'system:authenticated'] });
  });

  it('is undefined (a 401) when none does', () => {
    expect(new AuthenticatorChain([fixed(undefined)]).authenticate(req({}))).toBeUndefined();
  });

  it('tries each token authenticator on the bearer token only', () => {
    const seen: string[] = [];
    const bearer = new BearerTokenAuthenticator([
      { authenticateToken: (t) => (seen.push(`a:${t}`), undefined) },
      { authenticateToken: (t) => (seen.push(`b:${t}`), t === 'good' ? { name: 'bob', uid: '', groups: [] } : undefined) },
    ]);
    expect(bearer.authenticate(req({ authorization: 'Bearer good' }))?.name).toBe('bob');
    expect(bearer.authenticate(req({ authorization: 'Basic Zm9vOmJhcg==' }))).toBeUndefined();
    expect(seen).toEqual(['a:good', 'b:good']);
  });
});

describe('x509 subjects', () => {
  it('maps CN to the user and every O to a group', () => {
    expect(userOfCertificate({ subject: { CN: 'system:node:n1', O: ['system:nodes', 'x'] } as never, ext_key_usage: ['1.3.6.1.5.5.7.3.2'] })).toEqual({ name: 'system:node:n1', uid: '', groups: ['system:nodes', 'x'] });
    expect(userOfCertificate({ subject: { CN: 'admin', O: 'system:masters' } as never, ext_key_usage: undefined as never })?.groups).toEqual(['system:masters']);
  });

  it('ignores a certificate not meant for client authentication', () => {
    expect(userOfCertificate({ subject: { CN: 'srv' } as never, ext_key_usage: ['1.3.6.1.5.5.7.3.1'] })).toBeUndefined();
  });
});

describe('impersonation', () => {
  const alice = { name: 'alice', uid: '', groups: ['system:authenticated'] };
  const asked: RequestAttributes[] = [];
  const allowOnly = (allowed: (a: RequestAttributes) => boolean): Authorizer => ({
    authorize: (a) => (asked.push(a), { allowed: allowed(a), decided: true, reason: '' }),
  });
  beforeEach(() => (asked.length = 0));

  it('leaves the caller alone without impersonation headers', () => {
    expect(impersonate(req({}), alice, allowOnly(() => false))).toBe(alice);
  });

  it('checks the user, each group, the uid and each extra value, then runs as the impersonated user', () => {
    const user = impersonate(req({ 'impersonate-user': 'bob', 'impersonate-group': 'devs, ops', 'impersonate-uid': '42', 'impersonate-extra-scopes': 'view' }), alice, allowOnly(() => true));
    expect(user).toEqual({ name: 'bob', uid: '42', groups: ['devs', 'ops', 'system:authenticated'], extra: { scopes: ['view'] } });
    expect(asked.map((a) => [a.verb, a.apiGroup, a.resource, a.subresource, a.name])).toEqual([
      ['impersonate', '', 'users', undefined, 'bob'],
      ['impersonate', '', 'groups', undefined, 'devs'],
      ['impersonate', '', 'groups', undefined, 'ops'],
      ['impersonate', 'authentication.k8s.io', 'uids', undefined, '42'],
      ['impersonate', 'authentication.k8s.io', 'userextras', 'scopes', 'view'],
    ]);
  });

  it('checks a service account in its namespace and gives it the service-account groups', () => {
    const user = impersonate(req({ 'impersonate-user': 'system:serviceaccount:ns:robot' }), alice, allowOnly(() => true));
    expect(asked[0]).toMatchObject({ resource: 'serviceaccounts', namespace: 'ns', name: 'robot' });
    expect(user.groups).toEqual(['system:serviceaccounts', 'system:serviceaccounts:ns', 'system:authenticated']);
  });

  it("refuses with kube's 403 wording", () => {
    expect(() => impersonate(req({ 'impersonate-user': 'bob' }), alice, allowOnly(() => false))).toThrow(
      'users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope',
    );
  });

  it('refuses groups without a user as a bad request', () => {
    expect(() => impersonate(req({ 'impersonate-group': 'system:masters' }), alice, allowOnly(() => true))).toThrow(/without impersonating a user/);
  });
});
