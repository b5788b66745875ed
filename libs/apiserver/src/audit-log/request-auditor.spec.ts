import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { ApiError } from '@logbook/kube';
import type { AuditSink } from './audit-file';
import { noteRequestBody, noteResponse } from './capture';
import { parseAuditPolicy } from './policy';
import { RequestAuditor } from './request-auditor';

const alice = { name: 'alice', uid: 'a-1', groups: ['developers'] };

class Lines implements AuditSink {
  readonly events: any[] = [];
  write(line: string): void {
    this.events.push(JSON.parse(line));
  }
  async close(): Promise<void> {}
}

function auditor(rules: unknown[], omitStages: string[] = []): { auditor: RequestAuditor; lines: Lines } {
  const lines = new Lines();
  const policy = parseAuditPolicy(JSON.stringify({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', omitStages, rules }));
  return { auditor: new RequestAuditor(policy, lines, () => new Date('2026-12-06T10:00:00.123Z')), lines };
}

/** A request as the HTTP server hands it over (no socket traffic: the handler's side only). */
function request(method: string, url: string, headers: Record<string, string> = {}): { req: IncomingMessage; res: ServerResponse } {
  const req = new IncomingMessage(new Socket());
  req.method = method;
  req.url = url;
  req.headers = { 'user-agent': 'kubectl/v1.32.0', ...headers };
  return { req, res: new ServerResponse(req) };
}

describe('RequestAuditor', () => {
  it('writes a Secret at Metadata even where the policy asks for RequestResponse, body and answer left out', () => {
    const { auditor: a, lines } = auditor([{ level: 'RequestResponse' }], ['RequestReceived']);
    const { req, res } = request('POST', '/api/v1/namespaces/ns/secrets', { 'content-type': 'application/json' });
    const audited = a.begin(req, res, new URL(req.url!, 'https://x'));
    audited.authenticated(alice);
    noteRequestBody(req, Buffer.from(JSON.stringify({ kind: 'Secret', metadata: { name: 'db' }, data: { password: 'c2VjcmV0' } })));
    res.statusCode = 201;
    noteResponse(res, 201, {}, JSON.stringify({ kind: 'Secret', data: { password: 'c2VjcmV0' } }));
    res.end();
    audited.end();
    expect(lines.events).toHaveLength(1);
    expect(lines.events[0]).toMatchObject({ level: 'Metadata', stage: 'ResponseComplete', verb: 'create', objectRef: { resource: 'secrets', namespace: 'ns', name: 'db' }, responseStatus: { code: 201 } });
    expect(JSON.stringify(lines.events)).not.toContain('c2VjcmV0');
  });

  it('keeps the request and the answer of a ConfigMap at RequestResponse, and writes RequestReceived unless omitted', () => {
    const { auditor: a, lines } = auditor([{ level: 'RequestResponse' }]);
    const { req, res } = request('POST', '/api/v1/namespaces/ns/configmaps', { 'content-type': 'application/json', 'x-request-id': 'req-7' });
    const audited = a.begin(req, res, new URL(req.url!, 'https://x'));
    audited.authenticated(alice);
    noteRequestBody(req, Buffer.from(JSON.stringify({ kind: 'ConfigMap', metadata: { name: 'c', managedFields: [{}] }, data: { a: '1' } })));
    res.statusCode = 201;
    noteResponse(res, 201, {}, JSON.stringify({ kind: 'ConfigMap', metadata: { name: 'c' } }));
    res.end();
    audited.end();
    expect(lines.events.map((e) => e.stage)).toEqual(['RequestReceived', 'ResponseComplete']);
    expect(lines.events[0].requestObject).toBeUndefined();
    expect(lines.events[1]).toMatchObject({ auditID: 'req-7', requestObject: { data: { a: '1' } }, responseObject: { kind: 'ConfigMap' }, requestReceivedTimestamp: '2026-12-06T10:00:00.123000Z' });
    expect(res.getHeader('Audit-Id')).toBe('req-7');
  });

  it('records a failed authentication as kube does: one ResponseStarted event, no user, the 401 Status', () => {
    const { auditor: a, lines } = auditor([{ level: 'None', users: ['alice'] }, { level: 'Metadata' }]);
    const { req, res } = request('GET', '/api/v1/namespaces/ns/pods');
    const audited = a.begin(req, res, new URL(req.url!, 'https://x'));
    audited.unauthenticated();
    res.statusCode = 401;
    audited.failed(ApiError.unauthorized());
    res.end();
    audited.end();
    expect(lines.events).toEqual([
      expect.objectContaining({ level: 'Metadata', stage: 'ResponseStarted', user: {}, verb: 'list', responseStatus: { metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 } }),
    ]);
  });

  it('writes nothing at level None, and adds annotations only to what it writes', () => {
    const { auditor: a, lines } = auditor([{ level: 'None', verbs: ['get'] }, { level: 'Metadata' }], ['RequestReceived']);
    for (const method of ['GET', 'DELETE']) {
      const { req, res } = request(method, '/api/v1/namespaces/ns/pods/p');
      const audited = a.begin(req, res, new URL(req.url!, 'https://x'));
      audited.authenticated(alice);
      audited.annotate({ 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': '' });
      res.end();
      audited.end();
    }
    expect(lines.events.map((e) => [e.verb, e.annotations['authorization.k8s.io/decision']])).toEqual([['delete', 'allow']]);
  });

  it('records an in-process write at Metadata at most, as the component', () => {
    const { auditor: a, lines } = auditor([{ level: 'RequestResponse' }]);
    a.recordInProcessWrite({ name: 'system:kube-scheduler', uid: 'system:kube-scheduler', groups: ['system:authenticated'] }, 'POST', '/api/v1/namespaces/ns/pods/p/binding', { code: 201 }, new Date('2026-12-06T10:00:00Z'));
    expect(lines.events).toEqual([
      expect.objectContaining({ level: 'Metadata', stage: 'ResponseComplete', verb: 'create', user: expect.objectContaining({ username: 'system:kube-scheduler' }), objectRef: { resource: 'pods', namespace: 'ns', name: 'p', apiVersion: 'v1', subresource: 'binding' }, userAgent: 'logbook/in-process' }),
    ]);
  });
});
