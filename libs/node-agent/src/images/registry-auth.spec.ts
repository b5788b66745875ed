import { authFor, registryHost } from './registry-auth';

const secret = (type: string, key: string, value: unknown) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 's', namespace: 'default' },
  type,
  data: { [key]: Buffer.from(JSON.stringify(value)).toString('base64') },
});

describe('registryHost', () => {
  it.each([
    ['busybox', 'docker.io'],
    ['library/busybox:1.35', 'docker.io'],
    ['127.0.0.1:5000/logbook/busybox:1.35', '127.0.0.1:5000'],
    ['localhost/x', 'localhost'],
    ['registry.example/team/app@sha256:ab', 'registry.example'],
  ])('%s pulls from %s', (image, host) => expect(registryHost(image)).toBe(host));
});

describe('authFor', () => {
  const basic = Buffer.from('alice:s3cret').toString('base64');

  it('takes user and password from the auth field of a dockerconfigjson secret', () => {
    const s = secret('kubernetes.io/dockerconfigjson', '.dockerconfigjson', { auths: { 'http://127.0.0.1:5000/v2/': { auth: basic } } });
    expect(authFor('127.0.0.1:5000/private/app:1', [s as any])).toEqual({ username: 'alice', password: 's3cret' });
  });

  it('reads the legacy dockercfg shape and explicit username/password', () => {
    const s = secret('kubernetes.io/dockercfg', '.dockercfg', { 'https://index.docker.io/v1/': { username: 'bob', password: 'pw' } });
    expect(authFor('busybox', [s as any])).toMatchObject({ username: 'bob', password: 'pw' });
  });

  it('has nothing for a registry no secret names, nor for a malformed secret', () => {
    const other = secret('kubernetes.io/dockerconfigjson', '.dockerconfigjson', { auths: { 'other:5000': { auth: basic } } });
    const broken = { metadata: { name: 'b' }, data: { '.dockerconfigjson': 'not base64 json' } };
    expect(authFor('127.0.0.1:5000/app', [other as any, broken as any])).toBeUndefined();
  });
});
