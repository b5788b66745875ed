import { request } from 'node:http';
import { parsePrometheusText } from '@logbook/testing';
import { counter, createMetricsRegistry } from './metrics-registry';
import { type HealthServer, startHealthServer } from './health-server';

function get(url: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('startHealthServer on a real port', () => {
  let server: HealthServer | undefined;
  afterEach(async () => server?.close());

  it('serves /healthz and /livez at once, /readyz 503 with the reason until ready, /metrics as Prometheus text', async () => {
    const registry = createMetricsRegistry('test-component');
    counter(registry, { name: 'things_done_total', help: 'Things.' }).inc(3);
    let ready = false;
    server = await startHealthServer({ port: 0, registry, ready: async () => ready, notReadyReason: 'consumers have not joined yet' });
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);

    expect(await get(`${server.url}/healthz`)).toMatchObject({ status: 200, body: 'ok' });
    expect(await get(`${server.url}/livez`)).toMatchObject({ status: 200, body: 'ok' });
    expect(await get(`${server.url}/readyz`)).toMatchObject({ status: 503, body: 'not ready: consumers have not joined yet' });
    ready = true;
    expect(await get(`${server.url}/readyz`)).toMatchObject({ status: 200, body: 'ok' });

    const metrics = await get(`${server.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.type).toBe(registry.contentType);
    const text = parsePrometheusText(metrics.body);
    expect(text.sum('things_done_total', { component: 'test-component' })).toBe(3);
    // prom-client's default process metrics, labelled with the component too.
    expect(text.samples('process_cpu_user_seconds_total', { component: 'test-component' })).toHaveLength(1);
  });

  it('a readiness check that throws is a 503 naming the error; other paths 404, other methods 405', async () => {
    server = await startHealthServer({ port: 0, registry: createMetricsRegistry('x'), ready: () => { throw new Error('store closed'); } });
    expect(await get(`${server.url}/readyz`)).toMatchObject({ status: 503, body: 'not ready: readiness check failed: store closed' });
    expect((await get(`${server.url}/pods`)).status).toBe(404);
    expect((await get(`${server.url}/metrics`, 'POST')).status).toBe(405);
  });

  it('a port in use fails with what to do', async () => {
    server = await startHealthServer({ port: 0, registry: createMetricsRegistry('x') });
    await expect(startHealthServer({ port: server.port, registry: createMetricsRegistry('y') })).rejects.toThrow(/in use .*LOGBOOK_HEALTH_PORT/);
  });
});
