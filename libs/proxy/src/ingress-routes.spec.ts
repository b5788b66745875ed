import { buildRoutes, hostMatches, normalizeHost, pathMatch, resolveRoute, servesIngress } from './ingress-routes';

const cls = (name: string, controller: string, isDefault = false) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'IngressClass',
  metadata: { name, ...(isDefault ? { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } } : {}) },
  spec: { controller },
});
const LOGBOOK = cls('logbook', 'logbook.io/ingress', true);
const backend = (name: string, port: number | string = 80) => ({ service: { name, port: typeof port === 'number' ? { number: port } : { name: port } } });
const ing = (name: string, spec: Record<string, unknown>, created = '2026-01-01T00:00:00Z', annotations?: Record<string, string>) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name, namespace: 'default', creationTimestamp: created, ...(annotations ? { annotations } : {}) },
  spec,
});
const path = (p: string, pathType: string, svc: string) => ({ path: p, pathType, backend: backend(svc) });
const to = (table: ReturnType<typeof buildRoutes>, host: string, url: string) => resolveRoute(table, host, url)?.service;

describe('hostMatches', () => {
  it.each([
    ['a.example', 'a.example', true],
    ['a.example', 'b.example', false],
    ['*.example.com', 'a.example.com', true],
    ['*.example.com', 'example.com', false],
    ['*.example.com', 'a.b.example.com', false],
    ['*.example.com', 'aexample.com', false],
    ['', 'anything', true],
  ])('%s vs %s → %s', (rule, req, want) => expect(hostMatches(rule, req)).toBe(want));

  it('drops the port and case of the Host header', () => {
    expect(normalizeHost('A.Example:8080')).toBe('a.example');
    expect(normalizeHost('[::1]:80')).toBe('::1');
    expect(normalizeHost(undefined)).toBe('');
  });
});

describe('pathMatch', () => {
  it.each([
    ['/foo', 'Prefix', '/foo', true],
    ['/foo', 'Prefix', '/foo/', true],
    ['/foo', 'Prefix', '/foo/bar', true],
    ['/foo/', 'Prefix', '/foo', true],
    ['/foo', 'Prefix', '/foobar', false],
    ['/', 'Prefix', '/anything/at/all', true],
    ['/foo', 'Exact', '/foo', true],
    ['/foo', 'Exact', '/foo/', false],
    ['/Foo', 'Exact', '/foo', false],
    ['/aaa/bb', 'Prefix', '/aaa/bbb', false],
  ])('%s (%s) vs %s → %s', (p, type, req, want) => expect(pathMatch({ path: p, pathType: type as 'Exact' | 'Prefix' }, req) >= 0).toBe(want));
});

describe('resolveRoute', () => {
  it('prefers an Exact path to a Prefix of the same length, and the longest prefix', () => {
    const t = buildRoutes([ing('i', { rules: [{ http: { paths: [path('/', 'Prefix', 'root'), path('/api', 'Prefix', 'api'), path('/api', 'Exact', 'api-exact'), path('/api/v2', 'Prefix', 'v2')] } }] })], [LOGBOOK]);
    expect(to(t, 'x', '/api')).toBe('api-exact');
    expect(to(t, 'x', '/api/users?id=1')).toBe('api');
    expect(to(t, 'x', '/api/v2/users')).toBe('v2');
    expect(to(t, 'x', '/apis')).toBe('root');
  });

  it('tries precise hosts, then wildcards, then rules without a host', () => {
    const t = buildRoutes(
      [
        ing('i', {
          rules: [
            { host: 'a.example.com', http: { paths: [path('/', 'Prefix', 'precise')] } },
            { host: '*.example.com', http: { paths: [path('/', 'Prefix', 'wild')] } },
            { http: { paths: [path('/api', 'Prefix', 'any')] } },
          ],
        }),
      ],
      [LOGBOOK],
    );
    expect(to(t, 'a.example.com:8080', '/x')).toBe('precise');
    expect(to(t, 'b.example.com', '/x')).toBe('wild');
    expect(to(t, 'other', '/api/x')).toBe('any');
    expect(to(t, 'other', '/x')).toBeUndefined();
  });

  it('falls back to the default backend, and the oldest Ingress wins a tie', () => {
    const t = buildRoutes(
      [
        ing('new', { defaultBackend: backend('new-default'), rules: [{ http: { paths: [path('/a', 'Prefix', 'new')] } }] }, '2026-02-01T00:00:00Z'),
        ing('old', { defaultBackend: backend('old-default'), rules: [{ http: { paths: [path('/a', 'Prefix', 'old')] } }] }, '2026-01-01T00:00:00Z'),
      ],
      [LOGBOOK],
    );
    expect(to(t, 'x', '/a')).toBe('old');
    expect(to(t, 'x', '/b')).toBe('old-default');
  });

  it('keeps a named Service port', () => {
    const t = buildRoutes([ing('i', { defaultBackend: backend('web', 'http') })], [LOGBOOK]);
    expect(resolveRoute(t, 'x', '/')).toEqual({ namespace: 'default', service: 'web', port: 'http', ingress: 'default/i' });
  });
});

describe('servesIngress', () => {
  const OTHER = cls('nginx', 'k8s.io/ingress-nginx');
  it('serves its own class by name or legacy annotation, not another controller’s', () => {
    expect(servesIngress(ing('i', { ingressClassName: 'logbook' }), [LOGBOOK, OTHER])).toBe(true);
    expect(servesIngress(ing('i', {}, undefined, { 'kubernetes.io/ingress.class': 'logbook' }), [LOGBOOK, OTHER])).toBe(true);
    expect(servesIngress(ing('i', { ingressClassName: 'nginx' }), [LOGBOOK, OTHER])).toBe(false);
    expect(servesIngress(ing('i', { ingressClassName: 'missing' }), [LOGBOOK])).toBe(false);
  });

  it('serves Ingresses without a class only when its class is the one default', () => {
    expect(servesIngress(ing('i', {}), [LOGBOOK])).toBe(true);
    expect(servesIngress(ing('i', {}), [cls('logbook', 'logbook.io/ingress')])).toBe(false);
    expect(servesIngress(ing('i', {}), [LOGBOOK, cls('nginx', 'k8s.io/ingress-nginx', true)])).toBe(false);
  });
});
