import type { ClusterClient, TokenRequestSpec } from '@logbook/components';
import type { KubeObject } from '@logbook/kube';
import { ServiceAccountTokens, needsRefresh } from './service-account-tokens';

const HOUR = 3600_000;

describe('needsRefresh', () => {
  it.each([
    { name: 'a fresh token', issued: 0, expires: HOUR, now: 0.5 * HOUR, want: false },
    { name: 'at 80 % of its life', issued: 0, expires: HOUR, now: 0.8 * HOUR, want: true },
    { name: 'expired', issued: 0, expires: HOUR, now: 2 * HOUR, want: true },
    { name: 'a year-long token older than 24 h', issued: 0, expires: 365 * 24 * HOUR, now: 25 * HOUR, want: true },
    { name: 'a year-long token of 23 h', issued: 0, expires: 365 * 24 * HOUR, now: 23 * HOUR, want: false },
  ])('$name: $want', ({ issued, expires, now, want }) => {
    expect(needsRefresh({ issuedMs: issued, expiresMs: expires }, now)).toBe(want);
  });
});

describe('ServiceAccountTokens', () => {
  const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'team', uid: 'u1' }, spec: { serviceAccountName: 'builder' } };
  let now = 0;
  let fail = false;
  const requests: { namespace: string; sa: string; spec: TokenRequestSpec }[] = [];
  const client = {
    requestToken: async (namespace: string, sa: string, spec: TokenRequestSpec) => {
      if (fail) throw new Error('connection refused');
      requests.push({ namespace, sa, spec });
      return { token: `t${requests.length}`, expirationTimestamp: new Date(now + spec.expirationSeconds! * 1000).toISOString() };
    },
  } as unknown as ClusterClient;
  const tokens = new ServiceAccountTokens(client, () => now);

  beforeEach(() => {
    now = Date.parse('2026-12-06T00:00:00Z');
    fail = false;
    requests.length = 0;
    tokens.forget('u1');
  });

  it("asks for the pod's service account with its audience and lifetime, bound to the pod", async () => {
    expect(await tokens.token(pod, { audience: 'vault', expirationSeconds: 3607 })).toBe('t1');
    expect(requests).toEqual([
      { namespace: 'team', sa: 'builder', spec: { audiences: ['vault'], expirationSeconds: 3607, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: 'u1' } } },
    ]);
  });

  it('serves the cached token until 80 % of its life has passed, then renews', async () => {
    await tokens.token(pod, { expirationSeconds: 3600 });
    now += 0.7 * HOUR;
    expect(await tokens.token(pod, { expirationSeconds: 3600 })).toBe('t1');
    now += 0.11 * HOUR;
    expect(await tokens.token(pod, { expirationSeconds: 3600 })).toBe('t2');
    expect(requests).toHaveLength(2);
  });

  it('keeps a still-valid token when renewing fails, and fails once it has expired', async () => {
    await tokens.token(pod, { expirationSeconds: 3600 });
    fail = true;
    now += 0.9 * HOUR;
    expect(await tokens.token(pod, { expirationSeconds: 3600 })).toBe('t1');
    now += 0.2 * HOUR;
    await expect(tokens.token(pod, { expirationSeconds: 3600 })).rejects.toThrow('failed to fetch token: connection refused');
  });

  it('asks again once the pod is forgotten', async () => {
    await tokens.token(pod, { expirationSeconds: 3600 });
    tokens.forget('u1');
    expect(await tokens.token(pod, { expirationSeconds: 3600 })).toBe('t2');
  });
});
