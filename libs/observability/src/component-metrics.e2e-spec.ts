import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { addToken, deploymentManifest, eventually, makeTmpDir, parsePrometheusText, randomName, startLogbook, type LogbookProcess, type PrometheusText } from '@logbook/testing';
import { describeWithKafka, testBrokers } from '../../bus/src/testing/kafka-for-tests';

const ROOT = resolve(__dirname, '..', '..', '..');
const REPLICAS = 6;

type App = 'relay' | 'scheduler' | 'controller-manager' | 'proxy' | 'node-agent';

interface Component {
  readonly app: App;
  readonly proc: ChildProcess;
  output(): string;
  /** Its health server, from the `health server listening` log line. */
  healthUrl(): Promise<string>;
}

interface Response {
  readonly status: number;
  readonly type: string;
  readonly body: string;
}

/** A port nobody listens on right now (the node agent's read-only port must be known before it logs). */
function freePort(): Promise<number> {
  return new Promise((done, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

function get(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return new Promise((done, reject) => {
    const send = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = send(url, { headers, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => done({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * The relay, the scheduler, the controller manager, the proxy and a node agent as their own OS
 * processes (the built mains) on the real broker, beside `logbook up --no-controllers`: each
 * serves /healthz, /readyz and /metrics (the node agent on its read-only port), /readyz goes from 503 to 200, and after
 * a Deployment on hollow nodes their metrics parse as Prometheus text and show the work done.
 */
describeWithKafka('health and metrics of every component process', () => {
  const dir = makeTmpDir('logbook-metrics-');
  const prefix = `${randomName('mx')}.`;
  const brokers = `kafka://${testBrokers().join(',')}`;
  let cluster: LogbookProcess;
  const components: Component[] = [];

  const api = (method: string, path: string, body?: unknown) =>
    new Promise<{ status: number; body: any }>((done, reject) => {
      const req = httpsRequest(new URL(path, cluster.url), { method, rejectUnauthorized: false, headers: { Authorization: `Bearer ${cluster.adminToken}`, 'Content-Type': 'application/json' } }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => done({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
      });
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });

  const start = (app: App, env: Record<string, string>, args: string[] = []): Component => {
    const proc = spawn(process.execPath, [join(ROOT, 'dist', 'apps', app, 'src', 'main.js'), ...args], {
      // The node agent runs no pods here: the process runtime, not a containerd of its own.
      env: { ...process.env, NODE_OPTIONS: '', LOG_LEVEL: 'info', LOGBOOK_BUS: brokers, LOGBOOK_HEALTH_PORT: '0', LOGBOOK_RUNTIME: 'process', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout!.on('data', (d) => (out += d));
    proc.stderr!.on('data', (d) => (out += d));
    const healthUrl = () =>
      eventually(
        () => {
          if (proc.exitCode !== null) throw new Error(`${app} exited with ${proc.exitCode}:\n${out}`);
          // The node agent serves them on its read-only port, given with --port.
          if (app === 'node-agent') return `http://127.0.0.1:${args[args.indexOf('--port') + 1]}`;
          return /"url":"(http:\/\/[^"]+)","msg":"health server listening"/.exec(out)?.[1];
        },
        { timeoutMs: 30_000, what: `${app}'s health server` },
      );
    const component = { app, proc, output: () => out, healthUrl };
    components.push(component);
    return component;
  };

  const scrape = async (c: Component): Promise<PrometheusText> => {
    const res = await get(`${await c.healthUrl()}/metrics`);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/plain; version=0\.0\.4/);
    return parsePrometheusText(res.body);
  };

  /** This test's consumer groups (the prefix keeps other clusters on the broker out). */
  const ours = (text: PrometheusText, name: string) => text.samples(name).filter((s) => s.labels.group.startsWith(prefix));

  beforeAll(async () => {
    cluster = await startLogbook(dir.path, ['--bus', brokers, '--no-controllers', '--hollow-nodes', '3', '--hollow-heartbeat', '60000', '--topic-prefix', prefix]);
  }, 60_000);

  afterAll(async () => {
    cluster?.proc.kill('SIGCONT');
    for (const c of components) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
    await cluster?.stop();
    dir.remove();
  });

  it('serves /healthz at once, /readyz 503 → 200, and /metrics with consumer-group, reconcile, scheduling and relay figures', async () => {
    addToken(dir.path, 'metrics-scheduler-token', 'system:kube-scheduler');
    addToken(dir.path, 'metrics-cm-token', 'system:kube-controller-manager');
    addToken(dir.path, 'metrics-proxy-token', 'system:kube-proxy');
    const nodeName = randomName('metrics-node');
    addToken(dir.path, 'metrics-node-token', `system:node:${nodeName}`, ['system:nodes']);
    const agentPort = await freePort();
    const client = (token: string) => ({ LOGBOOK_API: cluster.url, LOGBOOK_TOKEN: token, LOGBOOK_CA_FILE: join(dir.path, 'pki', 'ca.crt'), LOGBOOK_TOPIC_PREFIX: prefix });

    // With the API server paused, the components cannot list what they cache: they stay unready
    // (503) while their health servers already answer.
    cluster.proc.kill('SIGSTOP');
    const waiting = [
      start('scheduler', client('metrics-scheduler-token')),
      start('controller-manager', client('metrics-cm-token')),
      start('proxy', { ...client('metrics-proxy-token'), LOGBOOK_NODE_NAME: nodeName }),
      // A real node agent that takes no pods (--pods 0): the Deployment goes to the hollow nodes.
      start('node-agent', client('metrics-node-token'), ['--node-name', nodeName, '--port', String(agentPort), '--pods', '0', '--heartbeat', '60000', '--state-dir', join(dir.path, 'agent')]),
    ];
    // The relay reads the log file directly; it publishes to topics of its own so it does not
    // double the messages the embedded relay gives the components.
    const relay = start('relay', { LOGBOOK_STORE: `sqlite:${dir.path}`, LOGBOOK_TOPIC_PREFIX: `${randomName('mxr')}.`, LOGBOOK_RELAY_POLL_MS: '100' });
    for (const c of waiting) {
      const url = await c.healthUrl();
      await eventually(async () => (await get(`${url}/healthz`)).body === 'ok', { timeoutMs: 30_000, what: `${c.app} to answer /healthz` });
      const ready = await get(`${url}/readyz`);
      expect(ready.status).toBe(503);
      expect(ready.body).toMatch(/^not ready: .*(consumer groups|not registered)/);
    }
    cluster.proc.kill('SIGCONT');
    for (const c of [...waiting, relay]) {
      await eventually(async () => (await get(`${await c.healthUrl()}/readyz`)).status === 200, { timeoutMs: 60_000, intervalMs: 200, what: `${c.app} to be ready` });
    }

    const port = 20_000 + Math.floor(Math.random() * 10_000);
    expect((await api('POST', '/api/v1/namespaces/default/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port, targetPort: 8080 }] } })).status).toBe(201);
    const deployment = deploymentManifest('web', REPLICAS, { containers: [{ name: 'web', image: 'nginx:1.27', resources: { requests: { cpu: '100m' } } }] });
    expect((await api('POST', '/apis/apps/v1/namespaces/default/deployments', deployment)).status).toBe(201);
    await eventually(async () => (await api('GET', '/apis/apps/v1/namespaces/default/deployments/web')).body.status?.availableReplicas === REPLICAS, {
      timeoutMs: 90_000,
      intervalMs: 250,
      what: `${REPLICAS} available replicas`,
    });

    const [scheduler, manager, proxy, agent] = waiting;
    for (const c of [scheduler, manager, proxy]) {
      // Every group read and committed something, and caught up after the burst.
      await eventually(
        async () => {
          const text = await scrape(c);
          const committed = ours(text, 'logbook_consumer_group_committed_offset');
          expect(committed.reduce((n, s) => n + s.value, 0)).toBeGreaterThan(0);
          const lag = ours(text, 'logbook_consumer_group_lag');
          expect(lag.length).toBeGreaterThan(0);
          expect(lag.filter((s) => s.value !== 0)).toEqual([]);
          expect(ours(text, 'logbook_consumer_group_end_offset').length).toBeGreaterThanOrEqual(committed.length);
          expect(text.samples('process_cpu_user_seconds_total', { component: c.app })).toHaveLength(1);
          return true;
        },
        { timeoutMs: 60_000, intervalMs: 500, what: `${c.app}'s consumer groups to catch up` },
      );
    }

    const scheduling = await scrape(scheduler);
    expect(scheduling.sum('logbook_scheduler_attempts_total', { result: 'scheduled' })).toBeGreaterThanOrEqual(REPLICAS);
    expect(scheduling.sum('logbook_scheduler_attempt_duration_seconds_count', { result: 'scheduled' })).toBeGreaterThanOrEqual(REPLICAS);
    expect(scheduling.sum('logbook_reconcile_duration_seconds_count', { controller: 'scheduler' })).toBeGreaterThanOrEqual(REPLICAS);
    expect(scheduling.samples('logbook_consumer_group_committed_offset', { group: `${prefix}logbook-scheduler` }).length).toBeGreaterThan(0);

    const controllers = await scrape(manager);
    expect(controllers.sum('logbook_reconcile_duration_seconds_count', { controller: 'deployment' })).toBeGreaterThan(0);
    expect(controllers.sum('logbook_reconcile_duration_seconds_count', { controller: 'replicaset' })).toBeGreaterThan(0);
    expect(controllers.sum('logbook_reconcile_duration_seconds_count', { controller: 'endpoints-controller' })).toBeGreaterThan(0);
    expect(controllers.samples('logbook_workqueue_depth', { controller: 'deployment' })).toHaveLength(1);

    expect((await scrape(proxy)).samples('logbook_workqueue_depth').length).toBeGreaterThan(0);

    // The node agent's own group on its node's topic (no pods bound there: end offset 0, nothing to commit).
    const node = await scrape(agent);
    expect(node.samples('logbook_consumer_group_end_offset', { group: `${prefix}logbook-node-${nodeName}`, topic: `${prefix}logbook.node.${nodeName}` })).toHaveLength(1);
    expect(node.samples('process_cpu_user_seconds_total', { component: 'node-agent' })).toHaveLength(1);

    await eventually(
      async () => {
        const relayed = await scrape(relay);
        expect(relayed.sum('logbook_relay_events_published_total')).toBeGreaterThan(0);
        expect(relayed.sum('logbook_relay_checkpoint_position')).toBeGreaterThan(0);
        expect(relayed.samples('logbook_relay_lag_events').map((s) => s.value)).toEqual([0]);
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: 'the relay to catch up' },
    );

    // The API server: health paths without a token, /metrics only with one.
    expect((await get(`${cluster.url}/readyz`)).status).toBe(200);
    expect((await get(`${cluster.url}/livez`)).status).toBe(200);
    expect((await get(`${cluster.url}/metrics`)).status).toBe(401);
    const res = await get(`${cluster.url}/metrics`, { Authorization: `Bearer ${cluster.adminToken}` });
    expect(res.status).toBe(200);
    const apiText = parsePrometheusText(res.body);
    expect(apiText.sum('apiserver_request_duration_seconds_count', { verb: 'create', resource: 'deployments' })).toBeGreaterThanOrEqual(1);
    expect(apiText.sum('apiserver_request_total', { verb: 'create', resource: 'pods', subresource: 'binding', code: '201' })).toBeGreaterThanOrEqual(REPLICAS);
    expect(apiText.sum('apiserver_request_total', { resource: '', code: '401' })).toBeGreaterThanOrEqual(1);
    expect(apiText.sum('logbook_events_appended_total', { kind: 'Pod' })).toBeGreaterThanOrEqual(REPLICAS * 3);
    expect(apiText.sum('logbook_relay_events_published_total', { component: 'logbook' })).toBeGreaterThan(0);

    for (const c of components) expect(c.proc.exitCode).toBeNull();
  }, 240_000);
});
