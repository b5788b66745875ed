import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InProcessClusterClient, componentUser } from '@logbook/apiserver';
import type { KubeObject } from '@logbook/kube';
import type { NodeAgent } from '@logbook/node-agent';
import { ServiceProxy, type RunningServiceProxy } from '@logbook/proxy';
import type { ProcessRuntime } from '@logbook/runtime';
import { eventually, makeTmpDir, randomName } from '@logbook/testing';
import { type AcceptanceCluster, podReady, startAcceptanceCluster } from './harness';
import { HTTP_SERVER, getMany, randomPort, removeLeftoverSandboxes, startProcessAgent } from './workload-kit';

jest.setTimeout(120_000);

/** Acceptance (issue 5): readiness gates a pod's place in its Service; a crashing container backs off more and more. */
describe('Readiness and crash-loop back-off on real processes', () => {
  let c: AcceptanceCluster;
  let agent: NodeAgent;
  let runtime: ProcessRuntime;
  let proxy: RunningServiceProxy;
  const dir = makeTmpDir('logbook-probes-');
  const stateDir = join(dir.path, 'node');
  const nodeName = randomName('node');
  const port = randomPort();
  const app = randomName('ready');
  const pod = (name: string) => c.cluster.projector.state.get('Pod', 'default', name);

  beforeAll(async () => {
    c = await startAcceptanceCluster({});
    ({ agent, runtime } = await startProcessAgent(c, nodeName, stateDir, { backoff: { baseMs: 300, maxMs: 10_000 }, probeSecondMs: 200 }));
    proxy = await ServiceProxy.start({ bus: c.cluster.bus, client: new InProcessClusterClient(c.cluster.api.writer, c.cluster.projector, componentUser('system:node:proxy')), log: c.log, nodeName });
  });

  afterAll(async () => {
    await c?.kubectl(['delete', 'pods', '--all', '--grace-period=1', '--timeout=20s'], { allowFailure: true });
    await proxy?.stop();
    await agent?.stop();
    await runtime?.close();
    await removeLeftoverSandboxes(stateDir);
    await c?.close();
    dir.remove();
  });

  it('a failing readiness probe takes the pod out of the Endpoints and the proxy stops sending to it; passing again brings it back', async () => {
    const notReadyFile = (n: string) => join(dir.path, `${n}.not-ready`);
    const server = (n: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: n, namespace: 'default', labels: { app } },
      spec: {
        nodeName,
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'web',
            image: 'node:24',
            command: [process.execPath, HTTP_SERVER],
            env: [
              { name: 'PORT', value: String(port) },
              { name: 'POD_NAME', value: n },
            ],
            // A probe second is 200 ms here, so the default timeout (1 s) would be 200 ms: less than a
            // Node.js start on a loaded CI machine, which made pod a fail its probe too and left the
            // Service with no endpoint at all. 25 "seconds" is 5 s; only b's marker file fails it.
            readinessProbe: {
              exec: { command: [process.execPath, '-e', `process.exit(require('fs').existsSync(${JSON.stringify(notReadyFile(n))}) ? 1 : 0)`] },
              periodSeconds: 1,
              timeoutSeconds: 25,
              failureThreshold: 1,
            },
          },
        ],
      },
    });
    const [a, b] = [`${app}-a`, `${app}-b`];
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: app, namespace: 'default' }, spec: { selector: { app }, ports: [{ port: 80, targetPort: port }] } };
    await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [server(a), server(b), service] }) });
    await eventually(() => podReady(pod(a)!) && podReady(pod(b)!), { timeoutMs: 30_000, what: 'both pods Ready' });
    const clusterIP = c.cluster.projector.state.get('Service', 'default', app)!.spec.clusterIP;
    const endpoints = () => c.cluster.projector.state.get('Endpoints', 'default', app);
    const ready = () => (endpoints()?.subsets ?? []).flatMap((s: any) => (s.addresses ?? []).map((x: any) => x.ip)).sort();
    const notReady = () => (endpoints()?.subsets ?? []).flatMap((s: any) => (s.notReadyAddresses ?? []).map((x: any) => x.ip));
    const [ipA, ipB] = [pod(a)!.status.podIP, pod(b)!.status.podIP];
    await eventually(() => ready().join() === [ipA, ipB].sort().join(), { what: 'both pods in the Endpoints' });
    await eventually(async () => (await getMany(clusterIP, 80, 20)).answers.size === 2, { what: 'the proxy sending to both' });

    writeFileSync(notReadyFile(b), '');
    await eventually(() => !podReady(pod(b)!), { timeoutMs: 10_000, what: `${b} not Ready` });
    expect(pod(b)!.status.phase).toBe('Running');
    await eventually(() => ready().join() === ipA && notReady().includes(ipB), { what: `${b} moved to notReadyAddresses` });
    // The proxy follows the Endpoints through the bus: once it has, nothing goes to b.
    await eventually(async () => (await getMany(clusterIP, 80, 20)).answers.size === 1, { what: 'the proxy dropping b' });
    const { answers, failures } = await getMany(clusterIP, 80, 100);
    expect(failures).toEqual([]);
    expect([...answers.entries()]).toEqual([[`hello from ${a} at ${ipA}\n`, 100]]);

    rmSync(notReadyFile(b));
    await eventually(() => podReady(pod(b)!) && ready().length === 2, { timeoutMs: 10_000, what: `${b} Ready and back in the Endpoints` });
    await eventually(async () => (await getMany(clusterIP, 80, 20)).answers.size === 2, { what: 'the proxy sending to b again' });
    await c.kubectl(['delete', 'pod', a, b, '--timeout=30s']);
  });

  it('a container exiting non-zero repeatedly shows CrashLoopBackOff, with growing gaps between its restarts', async () => {
    const starts = join(dir.path, 'crasher.starts');
    const record = `require('fs').appendFileSync(${JSON.stringify(starts)}, Date.now() + '\\n'); process.exit(3)`;
    const crasher = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'crasher', namespace: 'default' }, spec: { nodeName, terminationGracePeriodSeconds: 1, containers: [{ name: 'app', image: 'node:24', command: [process.execPath, '-e', record] }] } };
    const reasons = new Set<string>();
    const off = c.cluster.projector.onApplied((_e, change) => {
      const s = change.after?.kind === 'Pod' && change.after.metadata.name === 'crasher' ? change.after.status?.containerStatuses?.[0] : undefined;
      if (s?.state?.waiting?.reason) reasons.add(s.state.waiting.reason);
    });
    try {
      await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(crasher) });
      // Back-off 0, 300, 600, 1200 ms (base 300): five starts within a few seconds.
      const times = await eventually(() => {
        const lines = existsSync(starts) ? readFileSync(starts, 'utf8').trim().split('\n').map(Number) : [];
        return lines.length >= 5 && lines;
      }, { timeoutMs: 30_000, what: 'five starts of the crashing container' });
      const gaps = times.slice(1, 5).map((t, i) => t - times[i]);
      // The first restart is immediate; after it each wait doubles. A gap is the wait plus the
      // process's run and start-up, so the waits are lower bounds that hold on a loaded machine.
      expect(gaps[1]).toBeGreaterThanOrEqual(300);
      expect(gaps[2]).toBeGreaterThanOrEqual(600);
      expect(gaps[3]).toBeGreaterThanOrEqual(1_200);
      expect(gaps[1]).toBeGreaterThan(gaps[0]);
      expect(gaps[2]).toBeGreaterThan(gaps[1]);
      expect(gaps[3]).toBeGreaterThan(gaps[2]);
      const status = await eventually(() => {
        const s = pod('crasher')?.status?.containerStatuses?.[0];
        return s?.state?.waiting?.reason === 'CrashLoopBackOff' && s.restartCount >= 4 && s;
      }, { timeoutMs: 15_000, what: 'CrashLoopBackOff after 4 restarts' });
      expect(status.lastState.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
      expect(reasons.has('CrashLoopBackOff')).toBe(true);
      expect((pod('crasher') as KubeObject).status.phase).toBe('Running');
    } finally {
      off();
    }
    await c.kubectl(['delete', 'pod', 'crasher', '--timeout=30s']);
  });
});
