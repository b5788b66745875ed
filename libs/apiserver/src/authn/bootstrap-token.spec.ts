import { type KubeObject, bootstrapTokenSecret, generateBootstrapToken, parseBootstrapToken } from '@logbook/kube';
import { BootstrapTokenAuthenticator, authenticateBootstrapToken } from './bootstrap-token';

const NOW = new Date('2026-12-06T12:00:00Z');
const token = { id: 'abcdef', secret: '0123456789abcdef' };

function lookupOf(...secrets: KubeObject[]) {
  return (namespace: string, name: string) => secrets.find((s) => s.metadata.namespace === namespace && s.metadata.name === name);
}

function withData(secret: KubeObject, key: string, value: string | undefined): KubeObject {
  const data = { ...secret.data };
  if (value === undefined) delete data[key];
  else data[key] = Buffer.from(value).toString('base64');
  return { ...secret, data };
}

describe('bootstrap tokens', () => {
  describe('parsing', () => {
    it.each([
      ['abcdef.0123456789abcdef', true],
      ['ABCDEF.0123456789abcdef', false],
      ['abcde.0123456789abcdef', false],
      ['abcdef.0123456789abcde', false],
      ['abcdef0123456789abcdef', false],
      ['abcdef.0123456789abcdef.x', false],
    ])('%s is a bootstrap token: %s', (text, ok) => {
      expect(parseBootstrapToken(text) !== undefined).toBe(ok);
    });

    it('generates tokens it parses', () => {
      const t = generateBootstrapToken();
      expect(parseBootstrapToken(`${t.id}.${t.secret}`)).toEqual(t);
    });
  });

  describe('when the Secret is valid and not expired', () => {
    const secret = bootstrapTokenSecret({ token, expiration: '2026-12-07T12:00:00Z', description: 'test' });

    it('is the Secret kube expects', () => {
      expect(secret.metadata).toEqual({ name: 'bootstrap-token-abcdef', namespace: 'kube-system' });
      expect(secret.type).toBe('bootstrap.kubernetes.io/token');
      expect(Buffer.from(secret.data['auth-extra-groups'], 'base64').toString()).toBe('system:bootstrappers:logbook:default-node-token');
    });

    it('authenticates system:bootstrap:<id> in system:bootstrappers and the extra groups', () => {
      expect(authenticateBootstrapToken('abcdef.0123456789abcdef', lookupOf(secret), NOW)).toEqual({
        name: 'system:bootstrap:abcdef',
        uid: '',
        groups: ['system:bootstrappers', 'system:bootstrappers:logbook:default-node-token'],
      });
    });

    it('answers as a token authenticator of the chain, on its own clock', () => {
      expect(new BootstrapTokenAuthenticator(lookupOf(secret), () => NOW).authenticateToken('abcdef.0123456789abcdef')?.name).toBe('system:bootstrap:abcdef');
      expect(new BootstrapTokenAuthenticator(lookupOf(secret), () => new Date('2026-12-08T00:00:00Z')).authenticateToken('abcdef.0123456789abcdef')).toBeUndefined();
    });

    it('refuses a wrong secret', () => {
      expect(authenticateBootstrapToken('abcdef.0123456789abcdee', lookupOf(secret), NOW)).toBeUndefined();
    });

    it('refuses an unknown token id', () => {
      expect(authenticateBootstrapToken('zzzzzz.0123456789abcdef', lookupOf(secret), NOW)).toBeUndefined();
    });
  });

  describe('when the Secret does not allow authentication', () => {
    const valid = bootstrapTokenSecret({ token });
    it.each<[string, KubeObject]>([
      ['expired', withData(valid, 'expiration', '2026-12-06T11:59:59Z')],
      ['an unreadable expiration', withData(valid, 'expiration', 'tomorrow')],
      ['not for authentication', withData(valid, 'usage-bootstrap-authentication', 'false')],
      ['another token-id', withData(valid, 'token-id', 'zzzzzz')],
      ['an extra group outside system:bootstrappers', withData(valid, 'auth-extra-groups', 'system:masters')],
      ['of another type', { ...valid, type: 'Opaque' }],
      ['being deleted', { ...valid, metadata: { ...valid.metadata, deletionTimestamp: '2026-12-06T11:00:00Z' } }],
    ])('refuses a Secret %s', (_, secret) => {
      expect(authenticateBootstrapToken('abcdef.0123456789abcdef', lookupOf(secret), NOW)).toBeUndefined();
    });

    it('accepts a token without expiration', () => {
      expect(authenticateBootstrapToken('abcdef.0123456789abcdef', lookupOf(valid), NOW)?.name).toBe('system:bootstrap:abcdef');
    });
  });
});
