import { generateKeyPairSync } from 'node:crypto';
import type { KubeObject } from '@logbook/kube';
import { signJwt, signingKeyOf, verifyJwt } from './service-account-jwt';
import { ServiceAccountTokens } from './service-account-tokens';

const pem = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const key = signingKeyOf(pem());
const T0 = new Date('2026-01-01T00:00:00Z');

function objects(list: KubeObject[]) {
  const byKey = new Map(list.map((o) => [`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`, o]));
  return { byKey, lookup: (kind: string, ns: string | undefined, name: string) => byKey.get(`${kind}/${ns}/${name}`) };
}
const sa = (uid = 'sa-uid'): KubeObject => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot', namespace: 'ns', uid } });
const pod = (uid = 'pod-uid', extra: object = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', uid, ...extra }, spec: { serviceAccountName: 'robot' } });

describe('service-account JWTs', () => {
  const opts = { issuer: 'https://kubernetes.default.svc.cluster.local', audiences: ['https://kubernetes.default.svc.cluster.local'], now: T0 };
  const claims = (over: object = {}) => ({
    iss: opts.issuer,
    aud: opts.audiences,
    sub: 'system:serviceaccount:ns:robot',
    iat: T0.getTime() / 1000,
    nbf: T0.getTime() / 1000,
    exp: T0.getTime() / 1000 + 600,
    'kubernetes.io': { namespace: 'ns', serviceaccount: { name: 'robot', uid: 'u' } },
    ...over,
  });

  it('verifies what it signed, with the key id in the header', () => {
    const token = signJwt(claims(), key);
    expect(JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString())).toEqual({ alg: 'ES256', kid: key.keyId });
    expect(verifyJwt(token, key, opts)).toMatchObject({ ok: true, claims: { sub: 'system:serviceaccount:ns:robot' } });
  });

  it.each([
    ['another key', () => signJwt(claims(), signingKeyOf(pem())), 'invalid signature'],
    ['an altered payload', () => { const [h, , s] = signJwt(claims(), key).split('.'); return `${h}.${Buffer.from(JSON.stringify(claims({ sub: 'system:serviceaccount:ns:admin' }))).toString('base64url')}.${s}`; }, 'invalid signature'],
    ['alg none', () => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims())).toString('base64url')}.`, 'unsupported signing algorithm "none"'],
    ['an expired token', () => signJwt(claims({ exp: T0.getTime() / 1000 - 61 }), key), 'token has expired'],
    ['another audience', () => signJwt(claims({ aud: ['vault'] }), key), "token audiences do not match the API server's"],
    ['another issuer', () => signJwt(claims({ iss: 'https://elsewhere' }), key), 'issuer mismatch'],
    ['a subject that is not the account', () => signJwt(claims({ sub: 'admin' }), key), 'subject does not name the service account'],
    ['garbage', () => 'abc.def', 'not a JWT'],
  ])('refuses %s', (_what, make, reason) => {
    expect(verifyJwt(make(), key, opts)).toEqual({ ok: false, reason });
  });
});

describe('ServiceAccountTokens', () => {
  it('a token authenticates as its service account, in the service-account groups', () => {
    const { lookup } = objects([sa()]);
    const tokens = new ServiceAccountTokens(key, lookup, () => T0);
    const { token, expirationTimestamp } = tokens.issue({ namespace: 'ns', serviceAccount: { name: 'robot', uid: 'sa-uid' }, audiences: [], expirationSeconds: 3600 });
    expect(expirationTimestamp).toEqual(new Date(T0.getTime() + 3600_000));
    expect(tokens.authenticateToken(token)).toMatchObject({ name: 'system:serviceaccount:ns:robot', uid: 'sa-uid', groups: ['system:serviceaccounts', 'system:serviceaccounts:ns'] });
  });

  it('stops when the service account is recreated (another uid) or gone', () => {
    const world = objects([sa()]);
    const tokens = new ServiceAccountTokens(key, world.lookup, () => T0);
    const { token } = tokens.issue({ namespace: 'ns', serviceAccount: { name: 'robot', uid: 'sa-uid' }, audiences: [], expirationSeconds: 3600 });
    world.byKey.set('ServiceAccount/ns/robot', sa('another'));
    expect(tokens.authenticateToken(token)).toBeUndefined();
    world.byKey.delete('ServiceAccount/ns/robot');
    expect(tokens.authenticateToken(token)).toBeUndefined();
  });

  describe('when the token is bound to a pod', () => {
    const issue = (world: ReturnType<typeof objects>) => {
      const tokens = new ServiceAccountTokens(key, world.lookup, () => T0);
      return { tokens, token: tokens.issue({ namespace: 'ns', serviceAccount: { name: 'robot', uid: 'sa-uid' }, audiences: [], expirationSeconds: 3600, bound: { kind: 'Pod', name: 'p', uid: 'pod-uid' } }).token };
    };

    it('names the pod in the user\'s extra while the pod lives', () => {
      const { tokens, token } = issue(objects([sa(), pod()]));
      expect(tokens.authenticateToken(token)?.extra).toMatchObject({ 'authentication.kubernetes.io/pod-name': ['p'], 'authentication.kubernetes.io/pod-uid': ['pod-uid'] });
    });

    it.each([
      ['deleted', [sa()]],
      ['being deleted', [sa(), pod('pod-uid', { deletionTimestamp: '2026-01-01T00:00:00Z' })]],
      ['recreated with another uid', [sa(), pod('other')]],
    ])('is refused once the pod is %s', (_what, list) => {
      const { tokens, token } = issue(objects(list as KubeObject[]));
      expect(tokens.authenticateToken(token)).toBeUndefined();
    });
  });

  it('refuses a token past its expiry (and the minute of skew)', () => {
    let now = T0;
    const tokens = new ServiceAccountTokens(key, objects([sa()]).lookup, () => now);
    const { token } = tokens.issue({ namespace: 'ns', serviceAccount: { name: 'robot', uid: 'sa-uid' }, audiences: [], expirationSeconds: 600 });
    now = new Date(T0.getTime() + 600_000 + 61_000);
    expect(tokens.authenticateToken(token)).toBeUndefined();
  });
});
