import { type AuditAttributes, evaluateAuditPolicy, parseAuditPolicy } from './policy';
import { levelCap } from './audit-event';
import { requestInfo } from './request-info';

const alice = { name: 'alice', groups: ['developers', 'system:authenticated'] };

/** Attributes of a request as the handler computes them, for `user`. */
function attrs(method: string, path: string, user: AuditAttributes['user'] | null = alice): AuditAttributes {
  return { ...requestInfo(method, new URL(path, 'https://x')), user: user ?? undefined };
}

function policy(rules: string, extra = ''): ReturnType<typeof parseAuditPolicy> {
  return parseAuditPolicy(`apiVersion: audit.k8s.io/v1\nkind: Policy\n${extra}rules:\n${rules}`);
}

describe('audit policy matching', () => {
  it('takes the first matching rule, and None when no rule matches', () => {
    const p = policy(`
- level: RequestResponse
  resources: [{ group: "", resources: ["pods"] }]
- level: Metadata
  resources: [{ group: "" }]
`);
    expect(evaluateAuditPolicy(p, attrs('GET', '/api/v1/namespaces/a/pods/x')).level).toBe('RequestResponse');
    expect(evaluateAuditPolicy(p, attrs('GET', '/api/v1/namespaces/a/configmaps')).level).toBe('Metadata');
    expect(evaluateAuditPolicy(p, attrs('GET', '/apis/apps/v1/deployments')).level).toBe('None');
    expect(evaluateAuditPolicy(p, attrs('GET', '/healthz')).level).toBe('None');
  });

  it('matches users and groups, and never an unauthenticated request by either', () => {
    const p = policy(`
- level: None
  users: ["system:kube-proxy"]
- level: Request
  userGroups: ["developers"]
- level: Metadata
`);
    expect(evaluateAuditPolicy(p, attrs('GET', '/api/v1/pods', { name: 'system:kube-proxy', groups: [] })).level).toBe('None');
    expect(evaluateAuditPolicy(p, attrs('GET', '/api/v1/pods')).level).toBe('Request');
    expect(evaluateAuditPolicy(p, attrs('GET', '/api/v1/pods', null)).level).toBe('Metadata');
  });

  it('matches verbs as kube derives them (list, watch, deletecollection, create)', () => {
    const p = policy(`
- level: Request
  verbs: ["watch", "deletecollection"]
- level: Metadata
  verbs: ["list"]
`);
    expect(evaluateAuditPolicy(p, attrs('GET', '/api/v1/namespaces/a/pods?watch=true')).level).toBe('Request');
    expect(evaluateAuditPolicy(p, attrs('DELETE', '/api/v1/namespaces/a/pods')).level).toBe('Request');
    expect(evaluateAuditPolicy(p, attrs('GET', '/api/v1/namespaces/a/pods')).level).toBe('Metadata');
    expect(evaluateAuditPolicy(p, attrs('POST', '/api/v1/namespaces/a/pods')).level).toBe('None');
  });

  it('matches subresources by pods/status, pods/* and */status; resourceNames only the named objects', () => {
    const rules = (res: string) => policy(`
- level: Request
  resources: [{ group: "", resources: ["${res}"] }]
`);
    const status = attrs('PUT', '/api/v1/namespaces/a/pods/x/status');
    const pod = attrs('PUT', '/api/v1/namespaces/a/pods/x');
    expect(evaluateAuditPolicy(rules('pods/status'), status).level).toBe('Request');
    expect(evaluateAuditPolicy(rules('pods/status'), pod).level).toBe('None');
    expect(evaluateAuditPolicy(rules('pods/*'), status).level).toBe('Request');
    expect(evaluateAuditPolicy(rules('*/status'), status).level).toBe('Request');
    expect(evaluateAuditPolicy(rules('*/status'), pod).level).toBe('None');
    expect(evaluateAuditPolicy(rules('pods'), status).level).toBe('None');
    const named = policy(`
- level: Request
  resources: [{ group: "", resources: ["configmaps"], resourceNames: ["controller-leader"] }]
`);
    expect(evaluateAuditPolicy(named, attrs('PUT', '/api/v1/namespaces/kube-system/configmaps/controller-leader')).level).toBe('Request');
    expect(evaluateAuditPolicy(named, attrs('PUT', '/api/v1/namespaces/kube-system/configmaps/other')).level).toBe('None');
  });

  it('matches groups exactly ("" is the core group)', () => {
    const p = policy(`
- level: Request
  resources: [{ group: "apps", resources: ["deployments"] }]
`);
    expect(evaluateAuditPolicy(p, attrs('POST', '/apis/apps/v1/namespaces/a/deployments')).level).toBe('Request');
    expect(evaluateAuditPolicy(p, attrs('POST', '/apis/extensions/v1beta1/namespaces/a/deployments')).level).toBe('None');
  });

  it('matches namespaces ("" is cluster scope); a namespaces rule never matches a non-resource URL', () => {
    const p = policy(`
- level: Request
  namespaces: ["kube-system", ""]
`);
    expect(evaluateAuditPolicy(p, attrs('GET', '/api/v1/namespaces/kube-system/pods')).level).toBe('Request');
    expect(evaluateAuditPolicy(p, attrs('GET', '/api/v1/nodes')).level).toBe('Request');
    expect(evaluateAuditPolicy(p, attrs('GET', '/api/v1/namespaces/default/pods')).level).toBe('None');
    expect(evaluateAuditPolicy(p, attrs('GET', '/metrics')).level).toBe('None');
  });

  it('matches non-resource URLs exactly or by a trailing *, never a resource request', () => {
    const p = policy(`
- level: None
  nonResourceURLs: ["/healthz*", "/version"]
- level: Metadata
  nonResourceURLs: ["/apis/logbook.io/*"]
`);
    expect(evaluateAuditPolicy(p, attrs('GET', '/healthz')).level).toBe('None');
    expect(evaluateAuditPolicy(p, attrs('GET', '/apis/logbook.io/v1/history')).level).toBe('Metadata');
    expect(evaluateAuditPolicy(p, attrs('GET', '/version/x')).level).toBe('None');
    expect(evaluateAuditPolicy(policy('- level: Metadata\n  nonResourceURLs: ["*"]\n'), attrs('GET', '/api/v1/pods')).level).toBe('None');
  });

  it('adds the policy\'s omitStages to each rule\'s, and lets a rule override omitManagedFields', () => {
    const p = policy(
      `
- level: Metadata
  omitStages: ["ResponseStarted"]
  omitManagedFields: false
- level: Request
`,
      'omitStages: ["RequestReceived"]\nomitManagedFields: true\n',
    );
    const first = evaluateAuditPolicy(p, attrs('GET', '/api/v1/pods'));
    expect([...first.omitStages].sort()).toEqual(['RequestReceived', 'ResponseStarted']);
    expect(first.omitManagedFields).toBe(false);
    const p2 = policy('- level: Request\n', 'omitStages: ["RequestReceived"]\nomitManagedFields: true\n');
    expect(evaluateAuditPolicy(p2, attrs('GET', '/api/v1/pods'))).toEqual({ level: 'Request', omitStages: ['RequestReceived'], omitManagedFields: true });
  });
});

describe('audit policy validation', () => {
  it('refuses what kube-apiserver refuses, naming the field', () => {
    expect(() => parseAuditPolicy('apiVersion: v1\nkind: ConfigMap\n')).toThrow(/apiVersion: Unsupported value: "v1".*kind: Unsupported value: "ConfigMap"/);
    expect(() => policy('- level: Loud\n')).toThrow('rules[0].level: Unsupported value: "Loud": supported values: "None", "Metadata", "Request", "RequestResponse"');
    expect(() => policy('- verbs: ["get"]\n')).toThrow('rules[0].level: Required value');
    expect(() => policy('- level: Metadata\n  omitStages: ["Done"]\n')).toThrow('rules[0].omitStages[0]: Unsupported value: "Done"');
    expect(() => policy('- level: Metadata\n  nonResourceURLs: ["/x"]\n  namespaces: ["a"]\n')).toThrow('rules cannot apply to both regular resources and non-resource URLs');
    expect(() => policy('- level: Metadata\n  nonResourceURLs: ["healthz"]\n')).toThrow("non-resource URL rules must begin with a '/' character");
    expect(() => policy('- level: Metadata\n  nonResourceURLs: ["/a*/b"]\n')).toThrow("wildcards '*' must be the final character");
    expect(() => policy('- level: Metadata\n  resources: [{ group: "", resourceNames: ["x"] }]\n')).toThrow('using resourceNames requires at least one resource');
  });

  it('reads JSON as well as YAML', () => {
    const p = parseAuditPolicy(JSON.stringify({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ level: 'Metadata' }] }));
    expect(evaluateAuditPolicy(p, attrs('GET', '/metrics')).level).toBe('Metadata');
  });
});

describe('levels never exceeded whatever the policy says', () => {
  it('caps Secrets, token requests, token reviews and the history verbs at Metadata', () => {
    const cap = (method: string, path: string) => levelCap(requestInfo(method, new URL(path, 'https://x')));
    expect(cap('GET', '/api/v1/namespaces/a/secrets/s')).toBe('Metadata');
    expect(cap('GET', '/api/v1/secrets?watch=1')).toBe('Metadata');
    expect(cap('POST', '/api/v1/namespaces/a/serviceaccounts/default/token')).toBe('Metadata');
    expect(cap('POST', '/apis/authentication.k8s.io/v1/tokenreviews')).toBe('Metadata');
    expect(cap('GET', '/apis/logbook.io/v1/history?kind=Secret')).toBe('Metadata');
    expect(cap('GET', '/api/v1/namespaces/a/configmaps/c')).toBeUndefined();
    expect(cap('GET', '/api/v1/namespaces/a/serviceaccounts/default')).toBeUndefined();
  });
});

describe('request info', () => {
  const info = (method: string, path: string) => requestInfo(method, new URL(path, 'https://x'));

  it('reads resource requests as kube does', () => {
    expect(info('GET', '/api/v1/namespaces/a/pods/p/log')).toEqual({ resourceRequest: true, verb: 'get', path: '/api/v1/namespaces/a/pods/p/log', apiGroup: '', apiVersion: 'v1', resource: 'pods', name: 'p', subresource: 'log', namespace: 'a' });
    expect(info('GET', '/api/v1/namespaces/a')).toMatchObject({ resource: 'namespaces', name: 'a', namespace: 'a', verb: 'get' });
    expect(info('PUT', '/api/v1/namespaces/a/finalize')).toMatchObject({ resource: 'namespaces', name: 'a', subresource: 'finalize' });
    expect(info('GET', '/api/v1/watch/namespaces/a/pods')).toMatchObject({ verb: 'watch', resource: 'pods', namespace: 'a' });
    expect(info('GET', '/apis/apps/v1/namespaces/a/deployments?fieldSelector=metadata.name%3Dweb')).toMatchObject({ verb: 'list', name: 'web', apiGroup: 'apps' });
    expect(info('PATCH', '/apis/apps/v1/namespaces/a/deployments/web/scale')).toMatchObject({ verb: 'patch', subresource: 'scale' });
  });

  it('reads discovery, health and the logbook.io history verbs as non-resource URLs', () => {
    expect(info('GET', '/apis/apps/v1')).toEqual({ resourceRequest: false, verb: 'get', path: '/apis/apps/v1' });
    expect(info('GET', '/apis/logbook.io/v1/history')).toEqual({ resourceRequest: false, verb: 'get', path: '/apis/logbook.io/v1/history' });
    expect(info('POST', '/healthz')).toMatchObject({ resourceRequest: false, verb: 'post' });
  });
});
