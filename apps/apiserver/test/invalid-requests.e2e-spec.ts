import { makeTmpDir, startLogbook, type LogbookProcess } from '@logbook/testing';
import { call, logHead } from './api-client.test-kit';

/** Bad input gets a Kubernetes Status with the right code and field paths, and nothing is appended. */
describe('invalid requests', () => {
  const dir = makeTmpDir();
  let cluster: LogbookProcess;
  const deployments = '/apis/apps/v1/namespaces/default/deployments';

  const deployment = (patch: (d: any) => void = () => undefined) => {
    const d: any = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } },
      },
    };
    patch(d);
    return JSON.stringify(d);
  };

  beforeAll(async () => {
    cluster = await startLogbook(dir.path, ['--no-controllers']);
  });
  afterAll(async () => {
    await cluster?.stop();
    dir.remove();
  });

  const expectRejected = async (
    req: { method: string; path: string; body?: string | Buffer; contentType?: string; token?: string | null },
    code: number,
    fields: string[] = [],
  ) => {
    const before = await logHead(cluster.url, cluster.adminToken);
    const token = req.token === null ? undefined : req.token ?? cluster.adminToken;
    const res = await call(cluster.url, req.method, req.path, { token, body: req.body, contentType: req.contentType ?? 'application/json' });
    expect(res.status).toBe(code);
    expect(res.body).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code });
    expect(typeof res.body.reason).toBe('string');
    const causes = (res.body.details?.causes ?? []).map((c: any) => c.field);
    for (const f of fields) expect(causes).toContain(f);
    expect(await logHead(cluster.url, cluster.adminToken)).toBe(before);
    return res.body;
  };

  it('422 for a container without an image, with the field path', async () => {
    const body = await expectRejected({ method: 'POST', path: deployments, body: deployment((d) => delete d.spec.template.spec.containers[0].image) }, 422, ['spec.template.spec.containers[0].image']);
    expect(body.reason).toBe('Invalid');
    expect(body.details.kind).toBe('Deployment');
  });

  it('422 for negative replicas', async () => {
    await expectRejected({ method: 'POST', path: deployments, body: deployment((d) => (d.spec.replicas = -1)) }, 422, ['spec.replicas']);
  });

  it('422 for a bad label value', async () => {
    await expectRejected({ method: 'POST', path: deployments, body: deployment((d) => (d.metadata.labels = { app: 'not a valid value!' })) }, 422, ['metadata.labels']);
  });

  it('422 when the selector does not match the template labels', async () => {
    await expectRejected({ method: 'POST', path: deployments, body: deployment((d) => (d.spec.selector.matchLabels = { app: 'other' })) }, 422, ['spec.template.metadata.labels']);
  });

  it('400 for malformed JSON and malformed YAML', async () => {
    await expectRejected({ method: 'POST', path: deployments, body: '{"apiVersion": "apps/v1", "kind": ' }, 400);
    await expectRejected({ method: 'PATCH', path: `${deployments}/web`, body: 'metadata: [unclosed', contentType: 'application/apply-patch+yaml' }, 400);
  });

  it('413 for a body over 3 MiB', async () => {
    const big = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: { blob: 'x'.repeat(3 * 1024 * 1024 + 10) } });
    await expectRejected({ method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: big }, 413);
  });

  it('404 for an unknown kind and for a missing object', async () => {
    await expectRejected({ method: 'POST', path: '/apis/example.com/v1/namespaces/default/widgets', body: '{"kind":"Widget"}' }, 404);
    const body = await expectRejected({ method: 'GET', path: `${deployments}/nope` }, 404);
    expect(body.message).toBe('deployments.apps "nope" not found');
  });

  it('415 for an unsupported patch type', async () => {
    await expectRejected({ method: 'PATCH', path: `${deployments}/web`, body: '{}', contentType: 'text/plain' }, 415);
  });

  it('405 for a verb the resource does not support', async () => {
    await expectRejected({ method: 'POST', path: `${deployments}/web`, body: deployment() }, 405);
  });

  it('409 for a create of an object that already exists', async () => {
    const first = await call(cluster.url, 'POST', '/api/v1/namespaces/default/configmaps', { token: cluster.adminToken, body: '{"metadata":{"name":"twice"}}', contentType: 'application/json' });
    expect(first.status).toBe(201);
    const body = await expectRejected({ method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: '{"metadata":{"name":"twice"}}' }, 409);
    expect(body.reason).toBe('AlreadyExists');
  });

  it('401 without a token or with a wrong one, and nothing is appended', async () => {
    await expectRejected({ method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: '{"metadata":{"name":"anon"}}', token: null }, 401);
    await expectRejected({ method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: '{"metadata":{"name":"anon"}}', token: 'wrong-token' }, 401);
    await expectRejected({ method: 'GET', path: '/api/v1/namespaces/default/configmaps', token: null }, 401);
  });
});
