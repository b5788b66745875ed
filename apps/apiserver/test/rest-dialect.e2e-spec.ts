import { request } from 'node:https';
import { eventually, randomName } from '@logbook/testing';
import { call, logHead, useLogbookApi } from './api-client.test-kit';

/** The parts of the REST dialect kubectl leans on that the kubectl scenario does not reach. */
describe('Kubernetes REST dialect', () => {
  const server = useLogbookApi();
  const api = server.api;

  it('serves discovery with subresources and an openapi v2 document', async () => {
    const apps = await api('GET', '/apis/apps/v1');
    const names = apps.body.resources.map((r: any) => r.name);
    expect(names).toEqual(expect.arrayContaining(['deployments', 'deployments/scale', 'deployments/status', 'replicasets', 'replicasets/scale']));
    expect((await api('GET', '/api')).body.versions).toEqual(['v1']);
    expect((await api('GET', '/apis')).body.groups.map((g: any) => g.name)).toEqual(expect.arrayContaining(['apps', 'batch']));
    const openapi = await api('GET', '/openapi/v2');
    expect(openapi.status).toBe(200);
    // The document itself (no schemas, dryRun on every PATCH) is decoded in openapi-v2.spec.ts.
    expect(openapi.text.length).toBeGreaterThan(0);
  });

  it('pages a list with limit/continue and filters by field selector', async () => {
    const ns = randomName('page');
    expect((await api('POST', '/api/v1/namespaces', { metadata: { name: ns } })).status).toBe(201);
    for (let i = 0; i < 7; i++) expect((await api('POST', `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: `cm-${i}` } })).status).toBe(201);
    const seen: string[] = [];
    let token = '';
    let pages = 0;
    do {
      const page = await api('GET', `/api/v1/namespaces/${ns}/configmaps?limit=3${token ? `&continue=${token}` : ''}`);
      seen.push(...page.body.items.map((o: any) => o.metadata.name));
      token = page.body.metadata.continue ?? '';
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual(['cm-0', 'cm-1', 'cm-2', 'cm-3', 'cm-4', 'cm-5', 'cm-6']);
    const one = await api('GET', `/api/v1/namespaces/${ns}/configmaps?fieldSelector=metadata.name%3Dcm-4`);
    expect(one.body.items.map((o: any) => o.metadata.name)).toEqual(['cm-4']);
    const bad = await api('GET', `/api/v1/namespaces/${ns}/configmaps?fieldSelector=spec.nope%3Dx`);
    expect(bad.status).toBe(400);
  });

  it('deletes a collection by label selector', async () => {
    const ns = randomName('dc');
    await api('POST', '/api/v1/namespaces', { metadata: { name: ns } });
    for (const [name, tier] of [['a', 'x'], ['b', 'x'], ['c', 'y']]) await api('POST', `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name, labels: { tier } } });
    const res = await api('DELETE', `/api/v1/namespaces/${ns}/configmaps?labelSelector=tier%3Dx`);
    expect(res.status).toBe(200);
    const left = await api('GET', `/api/v1/namespaces/${ns}/configmaps`);
    expect(left.body.items.map((o: any) => o.metadata.name)).toEqual(['c']);
  });

  it('scales through /scale (merge patch and PUT with a resourceVersion precondition)', async () => {
    const name = randomName('web');
    const deploy = {
      metadata: { name },
      spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    };
    expect((await api('POST', '/apis/apps/v1/namespaces/default/deployments', deploy)).status).toBe(201);
    const patched = await api('PATCH', `/apis/apps/v1/namespaces/default/deployments/${name}/scale`, { spec: { replicas: 4 } }, 'application/merge-patch+json');
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 4 }, status: { selector: `app=${name}` } });
    const scale = (await api('GET', `/apis/apps/v1/namespaces/default/deployments/${name}/scale`)).body;
    const put = await call(server.cluster.url, 'PUT', `/apis/apps/v1/namespaces/default/deployments/${name}/scale`, { token: server.cluster.adminToken, body: JSON.stringify({ ...scale, spec: { replicas: 2 } }) });
    expect(put.status).toBe(200);
    const stale = await call(server.cluster.url, 'PUT', `/apis/apps/v1/namespaces/default/deployments/${name}/scale`, { token: server.cluster.adminToken, body: JSON.stringify({ ...scale, spec: { replicas: 3 } }) });
    expect(stale.status).toBe(409);
    const d = (await api('GET', `/apis/apps/v1/namespaces/default/deployments/${name}`)).body;
    expect(d.spec.replicas).toBe(2);
    expect(d.metadata.generation).toBe(3);
  });

  it('binds a pod once and updates its status through /status only', async () => {
    const name = randomName('pod');
    await api('POST', '/api/v1/namespaces/default/pods', { metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    const bound = await api('POST', `/api/v1/namespaces/default/pods/${name}/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { apiVersion: 'v1', kind: 'Node', name: 'node-1' } });
    expect(bound.status).toBe(201);
    const again = await api('POST', `/api/v1/namespaces/default/pods/${name}/binding`, { target: { name: 'node-2' } });
    expect(again.status).toBe(409);
    const status = await api('PATCH', `/api/v1/namespaces/default/pods/${name}/status`, { status: { phase: 'Running', podIP: '127.0.0.9' }, spec: { nodeName: 'ignored' } }, 'application/merge-patch+json');
    expect(status.status).toBe(200);
    const pod = (await api('GET', `/api/v1/namespaces/default/pods/${name}`)).body;
    expect(pod.spec.nodeName).toBe('node-1');
    expect(pod.status).toMatchObject({ phase: 'Running', podIP: '127.0.0.9' });
    const onNode = await api('GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-1');
    expect(onNode.body.items.map((p: any) => p.metadata.name)).toContain(name);
  });

  it('resumes a watch from a resourceVersion and ends it after timeoutSeconds', async () => {
    const name = randomName('w');
    const created = await api('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name }, data: { v: '1' } });
    const rv = created.body.metadata.resourceVersion;
    await api('PATCH', `/api/v1/namespaces/default/configmaps/${name}`, { data: { v: '2' } }, 'application/merge-patch+json');
    await api('DELETE', `/api/v1/namespaces/default/configmaps/${name}`);
    const lines: any[] = [];
    await new Promise<void>((resolve, reject) => {
      const req = request(
        new URL(`/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}&fieldSelector=metadata.name%3D${name}&timeoutSeconds=1`, server.cluster.url),
        { headers: { Authorization: `Bearer ${server.cluster.adminToken}` }, rejectUnauthorized: false },
        (res) => {
          let buf = '';
          res.on('data', (d) => {
            buf += d;
            const parts = buf.split('\n');
            buf = parts.pop()!;
            lines.push(...parts.filter(Boolean).map((l) => JSON.parse(l)));
          });
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(lines.map((e) => `${e.type} ${e.object.data?.v}`)).toEqual(['MODIFIED 2', 'DELETED 2']);
    expect(Number(lines[1].object.metadata.resourceVersion)).toBeGreaterThan(Number(rv));
  });

  it('dryRun=All runs every check and answers with the would-be object, but appends nothing', async () => {
    const ns = randomName('dry');
    expect((await api('POST', '/api/v1/namespaces', { metadata: { name: ns } })).status).toBe(201);
    const base = `/api/v1/namespaces/${ns}`;
    const head = await logHead(server.cluster.url, server.cluster.adminToken);

    const created = await api('POST', `${base}/configmaps?dryRun=All`, { metadata: { name: 'cm' }, data: { v: '1' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ kind: 'ConfigMap', metadata: { name: 'cm', namespace: ns }, data: { v: '1' } });
    expect(created.body.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.body.metadata.creationTimestamp).toBeDefined();
    expect(created.body.metadata.resourceVersion).toBeUndefined();
    expect((await api('GET', `${base}/configmaps/cm`)).status).toBe(404);
    const service = await api('POST', `${base}/services?dryRun=All`, { metadata: { name: 'web' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } });
    expect(service.status).toBe(201);
    expect(service.body.spec.clusterIP).toMatch(/^127\.96\./);
    expect(service.body.spec.ports[0].nodePort).toBeGreaterThanOrEqual(30000);
    // Validation still runs: a dry run of a bad object fails as the real write would.
    const invalid = await api('POST', `${base}/configmaps?dryRun=All`, { metadata: { name: 'Not_A_Name' } });
    expect(invalid.status).toBe(422);
    const unsupported = await api('POST', `${base}/configmaps?dryRun=Some`, { metadata: { name: 'cm' } });
    expect(unsupported.status).toBe(400);
    expect(unsupported.body.message).toContain('"All"');
    expect(await logHead(server.cluster.url, server.cluster.adminToken)).toBe(head);

    const real = (await api('POST', `${base}/configmaps`, { metadata: { name: 'cm' }, data: { v: '1' } })).body;
    const afterCreate = await logHead(server.cluster.url, server.cluster.adminToken);
    const patched = await api('PATCH', `${base}/configmaps/cm?dryRun=All`, { data: { v: '2' } }, 'application/merge-patch+json');
    expect(patched.status).toBe(200);
    expect(patched.body.data).toEqual({ v: '2' });
    expect(patched.body.metadata.resourceVersion).toBe(real.metadata.resourceVersion);
    const stale = await api('PUT', `${base}/configmaps/cm?dryRun=All`, { ...real, metadata: { ...real.metadata, resourceVersion: '1' }, data: { v: '3' } });
    expect(stale.status).toBe(409);
    const deleted = await api('DELETE', `${base}/configmaps/cm?dryRun=All`);
    expect(deleted.status).toBe(200);
    // kubectl delete --dry-run=server says it in the DeleteOptions body instead.
    const deletedByBody = await api('DELETE', `${base}/configmaps/cm`, { kind: 'DeleteOptions', apiVersion: 'v1', dryRun: ['All'] });
    expect(deletedByBody.status).toBe(200);
    expect((await api('DELETE', `${base}/configmaps?dryRun=All`)).status).toBe(200);
    const removedNs = await api('DELETE', `/api/v1/namespaces/${ns}?dryRun=All`);
    expect(removedNs.status).toBe(200);
    expect(removedNs.body.status.phase).toBe('Terminating');

    const stored = (await api('GET', `${base}/configmaps/cm`)).body;
    expect(stored.data).toEqual({ v: '1' });
    expect(stored.metadata.resourceVersion).toBe(real.metadata.resourceVersion);
    expect((await api('GET', `/api/v1/namespaces/${ns}`)).body.status.phase).toBe('Active');
    expect(await logHead(server.cluster.url, server.cluster.adminToken)).toBe(afterCreate);
  });

  it('serves history for a deleted object', async () => {
    const name = randomName('gone');
    await api('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name } });
    await api('DELETE', `/api/v1/namespaces/default/configmaps/${name}`);
    const history = await eventually(async () => {
      const res = await api('GET', `/apis/logbook.io/v1/history?kind=cm&namespace=default&name=${name}`);
      return res.body.items.length === 2 ? res.body : undefined;
    });
    expect(history.items.map((e: any) => e.type)).toEqual(['ConfigMapCreated', 'ObjectDeleted']);
    expect(history.items[0].actor).toBe('admin');
  });
});
