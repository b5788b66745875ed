import { validateObject } from './validate-object';

const ing = (spec: Record<string, unknown> | undefined, name = 'web') => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name, namespace: 'default' },
  ...(spec ? { spec } : {}),
});
const svc = (name = 'web', port: Record<string, unknown> = { number: 80 }) => ({ service: { name, port } });
const rule = (host: string | undefined, ...paths: Record<string, unknown>[]) => ({ ...(host === undefined ? {} : { host }), http: { paths } });
const fields = (spec: Record<string, unknown> | undefined) => validateObject(ing(spec)).map((c) => `${c.field} ${c.reason}`);

describe('validateObject on Ingress', () => {
  it.each([
    ['a default backend only', { defaultBackend: svc() }],
    ['an exact host and a prefix path', { rules: [rule('a.example', { path: '/', pathType: 'Prefix', backend: svc() })] }],
    ['a wildcard host', { rules: [rule('*.example.com', { path: '/api', pathType: 'Exact', backend: svc('api', { name: 'http' }) })] }],
    ['a rule without host nor http', { ingressClassName: 'logbook', rules: [{}], defaultBackend: svc() }],
    ['an ImplementationSpecific path without path', { rules: [rule(undefined, { pathType: 'ImplementationSpecific', backend: svc() })] }],
    ['a resource backend', { defaultBackend: { resource: { apiGroup: 'k8s.example.com', kind: 'StorageBucket', name: 'static' } } }],
  ])('accepts %s', (_what, spec) => {
    expect(validateObject(ing(spec))).toEqual([]);
  });

  it('refuses a spec with neither rules nor defaultBackend, on spec', () => {
    expect(validateObject(ing(undefined))).toEqual([
      { reason: 'FieldValueInvalid', field: 'spec', message: 'Invalid value: "": either `defaultBackend` or `rules` must be specified' },
    ]);
  });

  it.each([
    ['a missing pathType', rule(undefined, { path: '/', backend: svc() }), 'spec.rules[0].http.paths[0].pathType FieldValueRequired'],
    ['an unknown pathType', rule(undefined, { path: '/', pathType: 'Regex', backend: svc() }), 'spec.rules[0].http.paths[0].pathType FieldValueNotSupported'],
    ['a relative Prefix path', rule(undefined, { path: 'api', pathType: 'Prefix', backend: svc() }), 'spec.rules[0].http.paths[0].path FieldValueInvalid'],
    ['a path with //', rule(undefined, { path: '/a//b', pathType: 'Exact', backend: svc() }), 'spec.rules[0].http.paths[0].path FieldValueInvalid'],
    ['an IP as host', rule('10.0.0.1', { path: '/', pathType: 'Prefix', backend: svc() }), 'spec.rules[0].host FieldValueInvalid'],
    ['a wildcard not in front', rule('a.*.example', { path: '/', pathType: 'Prefix', backend: svc() }), 'spec.rules[0].host FieldValueInvalid'],
    ['an upper-case host', rule('A.example', { path: '/', pathType: 'Prefix', backend: svc() }), 'spec.rules[0].host FieldValueInvalid'],
    ['no backend', rule(undefined, { path: '/', pathType: 'Prefix' }), 'spec.rules[0].http.paths[0].backend FieldValueRequired'],
    ['a bad service name', rule(undefined, { path: '/', pathType: 'Prefix', backend: svc('Web') }), 'spec.rules[0].http.paths[0].backend.service.name FieldValueInvalid'],
    ['both port name and number', rule(undefined, { path: '/', pathType: 'Prefix', backend: svc('web', { name: 'http', number: 80 }) }), 'spec.rules[0].http.paths[0].backend.service.port FieldValueInvalid'],
    ['no port', rule(undefined, { path: '/', pathType: 'Prefix', backend: svc('web', {}) }), 'spec.rules[0].http.paths[0].backend.service.port FieldValueRequired'],
    ['a port out of range', rule(undefined, { path: '/', pathType: 'Prefix', backend: svc('web', { number: 70000 }) }), 'spec.rules[0].http.paths[0].backend.service.port.number FieldValueInvalid'],
    ['an http rule without paths', { host: 'a.example', http: { paths: [] } }, 'spec.rules[0].http.paths FieldValueRequired'],
  ])('refuses %s with kube field path', (_what, r, expected) => {
    expect(fields({ rules: [r] })).toEqual([expected]);
  });

  it('reports the defaultBackend by its own path', () => {
    expect(fields({ defaultBackend: { service: { name: 'web' } } })).toEqual(['spec.defaultBackend.service.port FieldValueRequired']);
  });
});

describe('validateObject on IngressClass', () => {
  const cls = (spec: Record<string, unknown> | undefined) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'logbook' }, ...(spec ? { spec } : {}) });
  it('accepts a domain-prefixed controller', () => expect(validateObject(cls({ controller: 'logbook.io/ingress' }))).toEqual([]));
  it('requires the controller', () => expect(validateObject(cls(undefined)).map((c) => `${c.field} ${c.reason}`)).toEqual(['spec.controller FieldValueRequired']));
  it('refuses a controller without a domain', () => expect(validateObject(cls({ controller: 'ingress' })).map((c) => `${c.field} ${c.reason}`)).toEqual(['spec.controller FieldValueInvalid']));
});
