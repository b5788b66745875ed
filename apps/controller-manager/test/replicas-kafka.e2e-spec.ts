import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:https';
import { join, resolve } from 'node:path';
import { addToken, deploymentManifest, eventually, makeTmpDir, randomName, rolledOut, startLogbook, type LogbookProcess } from '@logbook/testing';
import { describeWithKafka, testBrokers } from '../../../libs/bus/src/testing/kafka-for-tests';

const ROOT = resolve(__dirname, '..', '..', '..');
const REPLICAS = 20;

interface Component {
  readonly name: string;
  readonly proc: ChildProcess;
  output(): string;
}

/** Separate OS processes: the API server (with relay and hollow nodes), two schedulers, two controller managers. */
describeWithKafka('scheduler and controller-manager replicas on Kafka', () => {
  const dir = makeTmpDir();
  let cluster: LogbookProcess;
  const components: Component[] = [];
  const prefix = `${randomName('rk')}.`;

  const api = (method: string, path: string, body?: unknown, contentType = 'application/json') =>
    new Promise<any>((resolvePromise, reject) => {
      const req = request(new URL(path, cluster.url), { method, rejectUnauthorized: false, headers: { Authorization: `Bearer ${cluster.adminToken}`, 'Content-Type': contentType } }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolvePromise({ status: res.statusCode, body: text ? JSON.parse(text) : undefined }));
      });
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });

  const start = (app: 'scheduler' | 'controller-manager', index: number, token: string): Component => {
    const proc = spawn(process.execPath, [join(ROOT, 'dist', 'apps', app, 'src', 'main.js')], {
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        LOG_LEVEL: 'info',
        LOGBOOK_BUS: `kafka://${testBrokers().join(',')}`,
        LOGBOOK_API: cluster.url,
        LOGBOOK_TOKEN: token,
        LOGBOOK_CA_FILE: join(dir.path, 'pki', 'ca.crt'),
        LOGBOOK_TOPIC_PREFIX: prefix,
        LOGBOOK_HEALTH_PORT: '0', // two replicas on one machine: not both on the default port
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout!.on('data', (d) => (out += d));
    proc.stderr!.on('data', (d) => (out += d));
    const c = { name: `${app}-${index}`, proc, output: () => out };
    components.push(c);
    return c;
  };

  beforeAll(async () => {
    cluster = await startLogbook(dir.path, ['--bus', `kafka://${testBrokers().join(',')}`, '--no-controllers', '--hollow-nodes', '3', '--topic-prefix', prefix]);
  }, 60_000);
  afterAll(async () => {
    for (const c of components) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
    await cluster?.stop();
    dir.remove();
  });

  it(`finishes a rollout of ${REPLICAS} replicas when one scheduler and one controller manager are killed with SIGKILL`, async () => {
    addToken(dir.path, 'scheduler-token', 'system:kube-scheduler');
    addToken(dir.path, 'cm-token', 'system:kube-controller-manager');
    const schedulers = [start('scheduler', 0, 'scheduler-token'), start('scheduler', 1, 'scheduler-token')];
    const managers = [start('controller-manager', 0, 'cm-token'), start('controller-manager', 1, 'cm-token')];
    for (const c of [...schedulers, ...managers]) {
      await eventually(() => /running/.test(c.output()) || (c.proc.exitCode !== null && Promise.reject(new Error(c.output()))), { timeoutMs: 60_000, what: `${c.name} to start` });
    }

    const deployment = deploymentManifest('web', REPLICAS, { containers: [{ name: 'web', image: 'nginx:1.25', resources: { requests: { cpu: '100m' } } }] }, {
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    });
    expect((await api('POST', '/apis/apps/v1/namespaces/default/deployments', deployment)).status).toBe(201);
    const rolledOutTo = async (image: string) => rolledOut((await api('GET', '/apis/apps/v1/namespaces/default/deployments/web')).body, image, REPLICAS);
    await eventually(() => rolledOutTo('nginx:1.25'), { timeoutMs: 90_000, intervalMs: 250, what: 'the first rollout' });

    // Count the deployment's pods after every change while the second rollout runs.
    let maxPods = 0;
    const sample = async () => {
      const pods = (await api('GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dweb')).body.items;
      maxPods = Math.max(maxPods, pods.length);
      return pods;
    };
    const sampler = setInterval(() => void sample().catch(() => undefined), 20);
    try {
      expect((await api('PATCH', '/apis/apps/v1/namespaces/default/deployments/web', { spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.26' }] } } } }, 'application/strategic-merge-patch+json')).status).toBe(200);
      await eventually(async () => (await sample()).some((p: any) => p.spec.containers[0].image === 'nginx:1.26'), { timeoutMs: 30_000, intervalMs: 20, what: 'the first new pod' });
      schedulers[0].proc.kill('SIGKILL');
      managers[0].proc.kill('SIGKILL');
      await eventually(() => rolledOutTo('nginx:1.26'), { timeoutMs: 120_000, intervalMs: 250, what: 'the rollout to finish after the kills' });
    } finally {
      clearInterval(sampler);
    }
    const pods = await sample();
    expect(pods).toHaveLength(REPLICAS);
    expect(pods.every((p: any) => p.spec.nodeName && p.status.phase === 'Running')).toBe(true);
    expect(maxPods).toBeLessThanOrEqual(REPLICAS + Math.ceil(REPLICAS * 0.25));

    // No pod was bound twice: each pod stream holds at most one PodBound.
    for (const p of pods) {
      const history = (await api('GET', `/apis/logbook.io/v1/history?kind=pod&namespace=default&name=${p.metadata.name}`)).body.items;
      expect(history.filter((e: any) => e.type === 'PodBound')).toHaveLength(1);
      expect(history.find((e: any) => e.type === 'PodBound').actor).toBe('system:kube-scheduler');
    }
    expect(schedulers[1].proc.exitCode).toBeNull();
    expect(managers[1].proc.exitCode).toBeNull();
  }, 240_000);
});
