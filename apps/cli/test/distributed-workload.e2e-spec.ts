import { join } from 'node:path';
import { eventually, kubectl, makeTmpDir, randomName, runLogbook, type PrometheusText } from '@logbook/testing';
import { describeWithKafka, testBrokers } from '../../../libs/bus/src/testing/kafka-for-tests';
import { alive, containerPid, getMany, httpServerDeployment, httpService, podsRunningAndReady, randomPort, removeLeftoverSandboxes } from '../../../libs/cluster/src/acceptance/workload-kit';
import { scrapeMetrics, startDistributed, type DistributedProcess } from './distributed.test-kit';

/** The processes that consume the bus, and the groups (besides their own cache group) that must have committed. */
const CONSUMERS: Record<string, (node: string) => string[]> = {
  'scheduler-1': () => ['logbook-scheduler'],
  'scheduler-2': () => ['logbook-scheduler'],
  'controller-manager-1': () => ['logbook-deployment', 'logbook-replicaset'],
  'controller-manager-2': () => ['logbook-deployment', 'logbook-replicaset'],
  'node-agent-1': (node) => [`logbook-node-${node}-1`],
  'node-agent-2': (node) => [`logbook-node-${node}-2`],
  proxy: () => [],
};

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

  it('refuses a second logbook up on the same data directory, embedded or distributed', async () => {
    for (const mode of [['--distributed', '--bus', `kafka://${testBrokers().join(',')}`], ['--no-node-agent']]) {
      const second = await runLogbook(['up', ...mode, '--data-dir', dir.path, '--port', '0']);
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`logbook up is already running in ${dir.path} (pid ${cluster.proc.pid})`);
    }
    expect(cluster.proc.exitCode).toBeNull();
  });

  it('places 3 Running and Ready pods on the real node agents; clusterIP:port is answered by all three', async () => {
    expect((await cluster.api('POST', '/apis/apps/v1/namespaces/default/deployments', httpServerDeployment(app, port))).status).toBe(201);
    expect((await cluster.api('POST', '/api/v1/namespaces/default/services', httpService(app, port))).status).toBe(201);

    const pods: any[] = await podsRunningAndReady(async () => (await cluster.api('GET', `/api/v1/namespaces/default/pods?labelSelector=app%3D${app}`)).body.items, 3, {
      timeoutMs: 90_000,
      intervalMs: 500,
    });
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

  it('serves /metrics from every process: strict Prometheus text, committed consumer groups, lag, API requests and appended events', async () => {
    // One pod bound to each node agent from the start (spec.nodeName), so both agents' groups have read their topic.
    for (const n of [1, 2]) {
      const pin = { apiVersion: 'v1', kind: 'Pod', metadata: { name: `${app}-pin-${n}`, labels: { pin: app } }, spec: { nodeName: `${node}-${n}`, terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'busybox:1', command: ['/bin/sleep', '3600'] }] } };
      expect((await cluster.api('POST', '/api/v1/namespaces/default/pods', pin)).status).toBe(201);
    }
    await eventually(
      async () => {
        const items: any[] = (await cluster.api('GET', `/api/v1/namespaces/default/pods?labelSelector=pin%3D${app}`)).body.items;
        return items.length === 2 && items.every((p) => p.status?.phase === 'Running');
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'a pod Running on each node agent' },
    );

    const components = cluster.pids().components;
    expect(Object.entries(components).filter(([, c]) => !c.metricsUrl || !c.healthPort)).toEqual([]);
    const scraped = new Map<string, PrometheusText>();
    const ours = (text: PrometheusText, metric: string, group?: string) => text.samples(metric).filter((s) => (group ? s.labels.group === prefix + group : s.labels.group.startsWith(prefix)));
    const committedOf = (text: PrometheusText, group: string) => ours(text, 'logbook_consumer_group_committed_offset', group).reduce((n, s) => n + s.value, 0);

    for (const [name, expected] of Object.entries(CONSUMERS)) {
      await eventually(
        async () => {
          const text = await scrapeMetrics(components[name].metricsUrl!);
          scraped.set(name, text);
          const groups = new Set(ours(text, 'logbook_consumer_group_end_offset').map((s) => s.labels.group.slice(prefix.length)));
          // Node agents follow only their node's topic; every other consumer keeps a cache from a group of its own.
          const cache = [...groups].filter((g) => g.startsWith('logbook-cache-'));
          expect(cache).toHaveLength(name.startsWith('node-agent-') ? 0 : 1);
          const notCommitted = [...cache, ...expected(node)].filter((group) => !(committedOf(text, group) > 0));
          expect({ name, notCommitted }).toEqual({ name, notCommitted: [] });
          // Lag is reported (a gauge per partition with a commit) and has come back to zero.
          const lag = ours(text, 'logbook_consumer_group_lag');
          expect(lag.length).toBeGreaterThan(0);
          expect(lag.filter((s) => s.value !== 0)).toEqual([]);
          expect(text.samples('process_cpu_user_seconds_total')).toHaveLength(1);
          return true;
        },
        { timeoutMs: 60_000, intervalMs: 1_000, what: `${name}'s consumer groups committed and caught up` },
      );
    }

    const sum = (names: string[], metric: string, labels: Record<string, string> = {}) => names.reduce((n, name) => n + scraped.get(name)!.sum(metric, labels), 0);
    // Either scheduler may own the pods' partitions: together they scheduled the 3 replicas.
    expect(sum(['scheduler-1', 'scheduler-2'], 'logbook_scheduler_attempts_total', { result: 'scheduled' })).toBeGreaterThanOrEqual(3);
    expect(sum(['controller-manager-1', 'controller-manager-2'], 'logbook_reconcile_duration_seconds_count', { controller: 'deployment' })).toBeGreaterThan(0);

    const relay = await scrapeMetrics(components.relay.metricsUrl!);
    expect(relay.sum('logbook_relay_events_published_total')).toBeGreaterThan(0);
    expect(relay.sum('logbook_relay_checkpoint_position')).toBeGreaterThan(0);

    // The API server's /metrics is on its API port and needs a token, like Kubernetes'.
    await expect(scrapeMetrics(components.apiserver.metricsUrl!)).rejects.toThrow(/401/);
    const api = await scrapeMetrics(components.apiserver.metricsUrl!, cluster.adminToken);
    expect(api.sum('apiserver_request_duration_seconds_count', { verb: 'create', resource: 'deployments' })).toBeGreaterThanOrEqual(1);
    expect(api.samples('apiserver_request_duration_seconds_bucket', { verb: 'create', resource: 'deployments', le: '+Inf' })).toHaveLength(1);
    expect(api.sum('apiserver_request_total', { verb: 'create', resource: 'pods', subresource: 'binding', code: '201' })).toBeGreaterThanOrEqual(3);
    expect(api.sum('logbook_events_appended_total', { kind: 'Pod' })).toBeGreaterThan(0);
    expect(api.sum('logbook_events_appended_total', { kind: 'Deployment' })).toBeGreaterThan(0);
  }, 240_000);

  it('execs into a pod of each node agent process: the API server proxies with its client certificate to the agent\'s streaming port', async () => {
    for (const n of [1, 2]) {
      const pod: any = (await cluster.api('GET', `/api/v1/namespaces/default/pods/${app}-pin-${n}`)).body;
      const r = await kubectl(cluster.kubeconfig, ['exec', pod.metadata.name, '--', 'sh', '-c', 'echo "$POD_IP"; exit 7']);
      expect(r).toMatchObject({ code: 7, stdout: `${pod.status.podIP}\n` });
    }
  }, 60_000);

  it('logbook down stops the supervisor, every component and the pods the node agents left running', async () => {
    const components = Object.values(cluster.pids().components).map((c) => c.pid!);
    const pods: any[] = (await cluster.api('GET', '/api/v1/namespaces/default/pods')).body.items;
    const podPids = pods.map(containerPid).filter((pid) => pid > 0);
    expect(podPids.length).toBe(5);
    expect(podPids.every(alive)).toBe(true);

    const down = await runLogbook(['down', '--data-dir', dir.path]);
    expect(down.code).toBe(0);
    expect(down.stdout).toContain(`stopping logbook up (pid ${cluster.proc.pid})`);
    expect(down.stdout).toContain('logbook up stopped');
    for (const n of [1, 2]) expect(down.stdout).toMatch(new RegExp(`stopped \\d+ pod process(es)? on node ${node}-${n}; cleared`));
    expect(await cluster.stop()).toBe(0); // already exited: the supervisor's own exit code
    // Stopped processes may stay zombies for a moment, until their new parent reaps them.
    await eventually(() => [...components, ...podPids].filter(alive).length === 0, { timeoutMs: 10_000, what: `every process to be gone after:\n${down.stdout}` });
    expect(cluster.output()).toContain('stopped');

    const again = await runLogbook(['down', '--data-dir', dir.path]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`nothing is running in ${dir.path}`);
  }, 180_000);
});
