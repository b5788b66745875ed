import { readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { get } from 'node:http';
import { InProcessClusterClient, componentUser } from '@logbook/apiserver';
import { ProcessRuntime } from '@logbook/runtime';
import { eventually, makeTmpDir } from '@logbook/testing';
import type { KubeObject } from '@logbook/kube';
import { type AcceptanceCluster, podReady, startAcceptanceCluster } from '../../cluster/src/acceptance/harness';
import { NodeAgent } from './node-agent';

const SERVER = resolve(__dirname, '../test-fixtures/http-server.js');
jest.setTimeout(90_000);

function httpGet(host: string, port: number, path = '/'): Promise<{ code: number; body: string }> {
  return new Promise((ok, fail) => {
    get({ host, port, path, timeout: 2_000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => ok({ code: res.statusCode ?? 0, body }));
    }).on('error', fail);
  });
}

describe('NodeAgent on the process runtime (embedded cluster)', () => {
  let c: AcceptanceCluster;
  let agent: NodeAgent;
  let runtime: ProcessRuntime;
  const dir = makeTmpDir('node-agent-int-');
  const termFile = join(dir.path, 'sigterm.log');
  const pods = (selector: (p: KubeObject) => boolean) => c.cluster.projector.state.list('Pod', { namespace: 'default' }).filter(selector);

  beforeAll(async () => {
    c = await startAcceptanceCluster({ nodeGracePeriodMs: 60_000 });
    runtime = new ProcessRuntime({ stateDir: join(dir.path, 'node') });
    agent = new NodeAgent({
      client: new InProcessClusterClient(c.cluster.api.writer, c.cluster.projector, componentUser('system:node:agent-1')),
      bus: c.cluster.bus,
      runtime,
      nodeName: 'agent-1',
      port: 0,
      heartbeatIntervalMs: 1_000,
      backoff: { baseMs: 200, maxMs: 2_000 },
      probeSecondMs: 100,
      log: c.log,
    });
    await agent.start();
  });

  afterAll(async () => {
    await c.kubectl(['delete', 'deployment', '--all', '--wait=false'], { allowFailure: true });
    await c.kubectl(['delete', 'pods', '--all', '--grace-period=1', '--timeout=20s'], { allowFailure: true });
    await agent?.stop();
    // Whatever is left (a failed test) must not outlive the test run.
    for (const s of await runtime.listSandboxes()) await runtime.removePodSandbox(s.uid);
    await runtime?.close();
    await c?.close();
    dir.remove();
  });

  it('registers its node with capacity, addresses and its read-only port, and keeps it Ready', async () => {
    const node = (await eventually(() => c.cluster.projector.state.list('Node').find((n) => n.metadata.name === 'agent-1')))!;
    expect(node.status.addresses).toEqual([
      { type: 'InternalIP', address: '127.0.0.1' },
      { type: 'Hostname', address: 'agent-1' },
    ]);
    expect(node.status.daemonEndpoints.kubeletEndpoint.Port).toBe(agent.port);
    expect(Number(node.status.capacity.cpu)).toBeGreaterThan(0);
    expect(node.status.conditions.map((x: any) => x.type)).toEqual(expect.arrayContaining(['Ready', 'ResourceLimitsEnforced']));
    const health = await httpGet('127.0.0.1', agent.port, '/healthz');
    expect(health).toEqual({ code: 200, body: 'ok' });
  });

  it('runs a Deployment of 3 HTTP servers: Running and Ready with their own pod IPs, answering, with logs', async () => {
    const manifest = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            terminationGracePeriodSeconds: 5,
            containers: [
              {
                name: 'web',
                image: 'node:24',
                command: [process.execPath, SERVER],
                env: [
                  { name: 'TERM_FILE', value: termFile },
                  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                ],
                ports: [{ containerPort: 8080 }],
                // A probe second is 100 ms here: 30 of them give a loaded CI machine 3 s to connect.
                readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 2, timeoutSeconds: 30 },
              },
            ],
          },
        },
      },
    };
    await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(manifest) });
    const ready = await eventually<KubeObject[] | false>(
      () => {
        const ps = pods((p) => p.metadata.labels?.app === 'web' && !p.metadata.deletionTimestamp);
        return ps.length === 3 && ps.every((p) => p.status?.phase === 'Running' && podReady(p)) && ps;
      },
      { timeoutMs: 30_000, what: '3 web pods Running and Ready' },
    ) as KubeObject[];
    const ips = ready.map((p) => p.status.podIP);
    expect(new Set(ips).size).toBe(3);
    for (const p of ready) {
      expect(p.status.hostIP).toBe('127.0.0.1');
      expect(p.status.containerStatuses[0].containerID).toMatch(/^process:\/\/\d+$/);
      const answer = await httpGet(p.status.podIP, 8080, '/hello');
      expect(answer).toEqual({ code: 200, body: `hello from ${p.metadata.name} at ${p.status.podIP}\n` });
    }
    const name = ready[0].metadata.name!;
    const logs = await eventually(async () => {
      const out = await c.kubectl(['logs', name]);
      return out.stdout.includes('GET /hello') && out.stdout;
    });
    expect(logs).toContain(`listening on ${ready[0].status.podIP}:8080`);
    const tail = await c.kubectl(['logs', name, '--tail=1']);
    expect(tail.stdout.trim().split('\n')).toHaveLength(1);
    const fromAgent = await httpGet('127.0.0.1', agent.port, '/pods');
    expect(JSON.parse(fromAgent.body).items.map((p: KubeObject) => p.metadata.name)).toEqual(expect.arrayContaining(ready.map((p) => p.metadata.name)));
  });

  it('restarts a container killed from outside: restartCount 1, Running and answering again', async () => {
    const victim = pods((p) => p.metadata.labels?.app === 'web' && podReady(p))[0];
    const pid = Number(victim.status.containerStatuses[0].containerID.replace('process://', ''));
    process.kill(pid, 'SIGKILL');
    const back = await eventually(
      () => {
        const p = c.cluster.projector.state.list('Pod', { namespace: 'default' }).find((x) => x.metadata.uid === victim.metadata.uid);
        const s = p?.status?.containerStatuses?.[0];
        return s?.restartCount === 1 && s.state.running && podReady(p!) && p;
      },
      { timeoutMs: 20_000, what: 'the killed container restarted' },
    );
    expect(back.status.containerStatuses[0].lastState.terminated).toMatchObject({ exitCode: 137 });
    expect(back.status.podIP).toBe(victim.status.podIP);
    await eventually(() => httpGet(back.status.podIP, 8080).then((r) => r.code === 200));
  });

  it('deleting a pod sends SIGTERM first; the pod object goes only after the process is gone', async () => {
    const victim = pods((p) => p.metadata.labels?.app === 'web' && podReady(p))[0];
    const pid = Number(victim.status.containerStatuses[0].containerID.replace('process://', ''));
    await c.kubectl(['delete', 'pod', victim.metadata.name!, '--timeout=30s']);
    expect(pods((p) => p.metadata.uid === victim.metadata.uid)).toEqual([]);
    expect(existsSync(termFile) && readFileSync(termFile, 'utf8')).toContain(`${victim.metadata.name} SIGTERM`);
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('runs a Job of 5 completions, parallelism 2, to completion', async () => {
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'five', namespace: 'default' },
      spec: {
        completions: 5,
        parallelism: 2,
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'node:24', command: [process.execPath, '-e', 'process.exit(0)'] }] } },
      },
    };
    await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(job) });
    await c.kubectl(['wait', '--for=condition=complete', 'job/five', '--timeout=60s'], { timeoutMs: 70_000 });
    const done = c.cluster.projector.state.list('Job', { namespace: 'default' }).find((j) => j.metadata.name === 'five')!;
    expect(done.status.succeeded).toBe(5);
    const jobPods = pods((p) => p.metadata.labels?.['job-name'] === 'five');
    expect(jobPods.filter((p) => p.status?.phase === 'Succeeded')).toHaveLength(5);
  });
  it('a failing liveness probe restarts the container; a crashing one shows CrashLoopBackOff', async () => {
    const spec = (name: string, container: object) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { terminationGracePeriodSeconds: 1, containers: [container] } });
    const sleeper = [process.execPath, '-e', 'setInterval(() => {}, 1000); process.on("SIGTERM", () => process.exit(0))'];
    const liveness = { exec: { command: [process.execPath, '-e', 'process.exit(1)'] }, periodSeconds: 2, failureThreshold: 2 };
    await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(spec('unhealthy', { name: 'app', image: 'node:24', command: sleeper, livenessProbe: liveness })) });
    await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(spec('crasher', { name: 'app', image: 'node:24', command: [process.execPath, '-e', 'process.exit(3)'] })) });
    const status = (name: string) => pods((p) => p.metadata.name === name)[0]?.status?.containerStatuses?.[0];
    await eventually(() => status('unhealthy')?.restartCount >= 1 && status('unhealthy').state.running, { timeoutMs: 20_000, what: 'liveness restart' });
    const crash = await eventually(() => status('crasher')?.state?.waiting?.reason === 'CrashLoopBackOff' && status('crasher'), { timeoutMs: 20_000, what: 'CrashLoopBackOff' });
    expect(crash.lastState.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    expect(crash.state.waiting.message).toMatch(/^back-off \S+ restarting failed container=app pod=crasher_default/);
    await c.kubectl(['delete', 'pod', 'unhealthy', 'crasher', '--timeout=30s']);
  });
});
