import { join } from 'node:path';
import { eventually, makeTmpDir, randomName } from '@logbook/testing';
import { describeWithKafka } from '../../../libs/bus/src/testing/kafka-for-tests';
import { podReady } from '../../../libs/cluster/src/acceptance/harness';
import { HTTP_SERVER, getMany, randomPort, removeLeftoverSandboxes } from '../../../libs/cluster/src/acceptance/workload-kit';
import { startDistributed, type DistributedProcess } from './distributed.test-kit';

/**
 * Acceptance (issue 7): `logbook up --distributed` — the API server, the relay, two schedulers,
 * two controller managers, two node agents and the proxy, each its own OS process on Kafka — runs
 * the node-agent scenario: a Deployment of 3 real HTTP servers behind a Service.
 */
describeWithKafka('logbook up --distributed runs a Deployment of 3 HTTP servers behind a Service', () => {
  const dir = makeTmpDir('logbook-distributed-');
  const prefix = `${randomName('dw')}.`;
  const node = randomName('box');
  const app = randomName('web');
  const port = randomPort();
  let cluster: DistributedProcess;

  beforeAll(async () => {
    cluster = await startDistributed(dir.path, prefix, ['--node-name', node]);
  }, 300_000);

  afterAll(async () => {
    await cluster?.api('DELETE', `/apis/apps/v1/namespaces/default/deployments/${app}`).catch(() => undefined);
    const code = await cluster?.stop();
    // Pod processes outlive their agents by design: remove what is left of each node.
    for (const n of [1, 2]) await removeLeftoverSandboxes(join(dir.path, 'nodes', `${node}-${n}`));
    dir.remove();
    expect(code).toBe(0);
  }, 120_000);

  it('runs every component as its own process, each reported ready', () => {
    const components = cluster.pids().components;
    expect(Object.keys(components).sort()).toEqual(
      ['apiserver', 'relay', 'scheduler-1', 'scheduler-2', 'controller-manager-1', 'controller-manager-2', 'node-agent-1', 'node-agent-2', 'proxy'].sort(),
    );
    const pids = Object.values(components).map((c) => c.pid);
    expect(new Set(pids).size).toBe(pids.length);
    expect(pids).not.toContain(cluster.proc.pid);
    for (const name of Object.keys(components)) expect(cluster.output()).toContain(`✓ ${name} ready`);
    expect(cluster.output()).toMatch(/scheduler-1\s+\| /);
  });

  it('places 3 Running and Ready pods on the real node agents; clusterIP:port is answered by all three', async () => {
    const labels = { app };
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: app },
      spec: {
        replicas: 3,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            terminationGracePeriodSeconds: 2,
            containers: [
              {
                name: 'web',
                image: 'node:24',
                command: [process.execPath, HTTP_SERVER],
                env: [
                  { name: 'PORT', value: String(port) },
                  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                ],
                ports: [{ containerPort: port }],
                readinessProbe: { tcpSocket: { port }, periodSeconds: 1 },
              },
            ],
          },
        },
      },
    };
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: app }, spec: { selector: labels, ports: [{ port: 80, targetPort: port }] } };
    expect((await cluster.api('POST', '/apis/apps/v1/namespaces/default/deployments', deployment)).status).toBe(201);
    expect((await cluster.api('POST', '/api/v1/namespaces/default/services', service)).status).toBe(201);

    const pods: any[] = await eventually(
      async () => {
        const items: any[] = (await cluster.api('GET', `/api/v1/namespaces/default/pods?labelSelector=app%3D${app}`)).body.items;
        const live = items.filter((p) => !p.metadata.deletionTimestamp);
        return live.length === 3 && live.every((p) => p.status?.phase === 'Running' && podReady(p)) && live;
      },
      { timeoutMs: 90_000, intervalMs: 500, what: '3 pods Running and Ready' },
    );
    expect(pods.every((p) => [`${node}-1`, `${node}-2`].includes(p.spec.nodeName))).toBe(true);
    expect(new Set(pods.map((p) => p.status.podIP)).size).toBe(3);

    const clusterIP: string = (await cluster.api('GET', `/api/v1/namespaces/default/services/${app}`)).body.spec.clusterIP;
    expect(clusterIP).toMatch(/^127\.96\./);
    // The proxy process learns the endpoints through Kafka: wait until a small batch reaches every pod.
    await eventually(async () => (await getMany(clusterIP, 80, 30)).answers.size === 3, { timeoutMs: 60_000, intervalMs: 500, what: 'the proxy balancing over 3 endpoints' });
    const { answers, failures } = await getMany(clusterIP, 80, 150);
    expect(failures).toEqual([]);
    expect([...answers.keys()].sort()).toEqual(pods.map((p) => `hello from ${p.metadata.name} at ${p.status.podIP}\n`).sort());
  }, 240_000);
});
