import { request } from 'node:https';
import { randomName } from '@logbook/testing';
import { useLogbookApi } from './api-client.test-kit';

/**
 * One kind served at two versions: HorizontalPodAutoscaler is stored as autoscaling/v2 and served
 * as autoscaling/v1 too, converted on the way in and out of every verb.
 */
describe('a kind served at two versions (autoscaling/v2 stored, v1 converted)', () => {
  const server = useLogbookApi();
  const v1 = '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers';
  const v2 = '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers';
  const api = server.api;
  const v1Body = (name: string) => ({
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 3, targetCPUUtilizationPercentage: 50 },
  });

  it('creates through v1 and reads the same object through v1 and v2, one at a time and in lists', async () => {
    const name = randomName('hpa');
    const created = await api('POST', v1, v1Body(name));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ apiVersion: 'autoscaling/v1', spec: { minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 50 } });

    const asV2 = await api('GET', `${v2}/${name}`);
    expect(asV2.body.apiVersion).toBe('autoscaling/v2');
    expect(asV2.body.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }]);
    expect(asV2.body.metadata.resourceVersion).toBe(created.body.metadata.resourceVersion);

    const list = await api('GET', v1);
    expect(list.body.kind).toBe('HorizontalPodAutoscalerList');
    expect(list.body.apiVersion).toBe('autoscaling/v1');
    expect(list.body.items.find((i: any) => i.metadata.name === name)).toMatchObject({ apiVersion: 'autoscaling/v1', spec: { targetCPUUtilizationPercentage: 50 } });
  });

  it('keeps v2-only fields through a v1 read-modify-write', async () => {
    const name = randomName('hpa');
    const body = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        maxReplicas: 4,
        metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '64Mi' } } }],
        behavior: { scaleDown: { stabilizationWindowSeconds: 30 } },
      },
    };
    expect((await api('POST', v2, body)).status).toBe(201);
    const old = (await api('GET', `${v1}/${name}`)).body;
    expect(old.metadata.annotations['autoscaling.alpha.kubernetes.io/behavior']).toContain('"stabilizationWindowSeconds":30');
    const put = await api('PUT', `${v1}/${name}`, { ...old, spec: { ...old.spec, maxReplicas: 6 } });
    expect(put.status).toBe(200);
    const now = (await api('GET', `${v2}/${name}`)).body;
    expect(now.spec).toMatchObject({ maxReplicas: 6, metrics: body.spec.metrics, behavior: { scaleDown: { stabilizationWindowSeconds: 30 } } });
    expect(now.metadata.annotations).toBeUndefined();
  });

  it('watches through v1 a change made through v2', async () => {
    const name = randomName('hpa');
    const rv = (await api('POST', v1, v1Body(name))).body.metadata.resourceVersion;
    expect((await api('PATCH', `${v2}/${name}`, { spec: { maxReplicas: 7 } }, 'application/merge-patch+json')).status).toBe(200);
    expect((await api('DELETE', `${v1}/${name}`)).body.apiVersion).toBe('autoscaling/v1');
    const events = await watch(`${v1}?watch=true&resourceVersion=${rv}&fieldSelector=metadata.name%3D${name}&timeoutSeconds=1`);
    expect(events.map((e) => `${e.type} ${e.object.apiVersion} ${e.object.spec.maxReplicas}`)).toEqual(['MODIFIED autoscaling/v1 7', 'DELETED autoscaling/v1 7']);
  });

  it('prints the same Table through either version', async () => {
    const name = randomName('hpa');
    await api('POST', v1, v1Body(name));
    const table = (path: string) =>
      new Promise<any>((resolve, reject) => {
        const req = request(new URL(path, server.cluster.url), { headers: { Authorization: `Bearer ${server.cluster.adminToken}`, Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' }, rejectUnauthorized: false }, (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve(JSON.parse(text)));
        });
        req.on('error', reject);
        req.end();
      });
    const [a, b] = [await table(`${v1}/${name}`), await table(`${v2}/${name}`)];
    expect(a.columnDefinitions.map((col: any) => col.name)).toEqual(['Name', 'Reference', 'Targets', 'MinPods', 'MaxPods', 'Replicas', 'Age']);
    expect(a.rows[0].cells.slice(0, 6)).toEqual([name, 'Deployment/web', 'cpu: <unknown>/50%', 1, 3, 0]);
    expect(b.rows[0].cells).toEqual(a.rows[0].cells);
  });

  it('refuses a body whose apiVersion is not the URL’s, and a version the kind is not served at', async () => {
    const wrong = await api('POST', v1, { ...v1Body(randomName('hpa')), apiVersion: 'autoscaling/v2' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.message).toContain('does not match "autoscaling/v1"');
    expect((await api('GET', '/apis/autoscaling/v2beta2/namespaces/default/horizontalpodautoscalers')).status).toBe(404);
    expect((await api('GET', '/apis/autoscaling/v2beta2')).status).toBe(404);
  });

  function watch(path: string): Promise<any[]> {
    return new Promise((resolve, reject) => {
      const lines: any[] = [];
      const req = request(new URL(path, server.cluster.url), { headers: { Authorization: `Bearer ${server.cluster.adminToken}` }, rejectUnauthorized: false }, (res) => {
        let buf = '';
        res.on('data', (d) => {
          buf += d;
          const parts = buf.split('\n');
          buf = parts.pop()!;
          lines.push(...parts.filter(Boolean).map((l) => JSON.parse(l)));
        });
        res.on('end', () => resolve(lines));
      });
      req.on('error', reject);
      req.end();
    });
  }
});
