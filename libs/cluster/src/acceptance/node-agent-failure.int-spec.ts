import { join } from 'node:path';
import type { KubeObject } from '@logbook/kube';
import type { NodeAgent } from '@logbook/node-agent';
import type { ProcessRuntime } from '@logbook/runtime';
import { eventually, makeTmpDir, randomName } from '@logbook/testing';
import { type AcceptanceCluster, podReady, podsWithLabels, startAcceptanceCluster } from './harness';
import { alive, containerPid, httpGet, httpServerDeployment, podsRunningAndReady, randomAddressRange, randomPort, removeLeftoverSandboxes, startProcessAgent } from './workload-kit';

jest.setTimeout(120_000);

interface Agent {
  readonly agent: NodeAgent;
  readonly runtime: ProcessRuntime;
}

const readyStatus = (node: KubeObject | undefined) => node?.status?.conditions?.find((x: { type: string }) => x.type === 'Ready')?.status;

/** Acceptance (issue 5): a stopped node agent's pods move to another agent; restarted, it leaves no duplicates running. */
describe('Two node agents, one stopped for longer than the grace period', () => {
  let c: AcceptanceCluster;
  const dir = makeTmpDir('logbook-agents-');
  const names = [randomName('node-a'), randomName('node-b')];
  const stateDirs = [join(dir.path, 'a'), join(dir.path, 'b')];
  const ranges = [randomAddressRange(), randomAddressRange()];
  const port = randomPort();
  const app = randomName('web');
  const agents: (Agent | undefined)[] = [];

  async function startAgent(i: number): Promise<Agent> {
    return (agents[i] = await startProcessAgent(c, names[i], stateDirs[i], { addressRange: ranges[i], adoptPollMs: 200, heartbeatIntervalMs: 300, probeSecondMs: 200 }));
  }
  async function stopAgent(i: number): Promise<void> {
    await agents[i]?.agent.stop();
    await agents[i]?.runtime.close();
    agents[i] = undefined;
  }

  beforeAll(async () => {
    c = await startAcceptanceCluster({ nodeGracePeriodMs: 2_000, defaultEvictionSeconds: 1 });
    await startAgent(0);
    await startAgent(1);
  });

  afterAll(async () => {
    await c?.kubectl(['delete', 'deployment', app, '--wait=false'], { allowFailure: true });
    await stopAgent(0);
    await stopAgent(1);
    for (const d of stateDirs) await removeLeftoverSandboxes(d);
    await c?.close();
    dir.remove();
  });

  const web = () => podsWithLabels(c.cluster, 'default', { app }).filter((p) => !p.metadata.deletionTimestamp);
  const node = (i: number) => c.cluster.projector.state.get('Node', undefined, names[i]);

  it('node A turns NotReady, its pods are recreated on B; restarted, A stops the leftover processes', async () => {
    const deployment = httpServerDeployment(app, port, { replicas: 4, terminationGracePeriodSeconds: 1, container: { resources: { requests: { cpu: '100m' } } } });
    await eventually(() => readyStatus(node(0)) === 'True' && readyStatus(node(1)) === 'True', { what: 'both nodes Ready' });
    await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(deployment) });
    await podsRunningAndReady(web, 4, { timeoutMs: 30_000 });
    const onA = web().filter((p) => p.spec.nodeName === names[0]);
    expect(onA.length).toBeGreaterThan(0);
    const leftovers = onA.map((p) => ({ uid: p.metadata.uid!, pid: containerPid(p), ip: p.status.podIP as string }));

    await stopAgent(0);
    // By design the stopped agent's processes keep running (a restarted agent adopts them).
    for (const l of leftovers) expect(alive(l.pid)).toBe(true);
    await eventually(() => readyStatus(node(0)) !== 'True', { timeoutMs: 15_000, what: 'node A NotReady' });
    await eventually(() => {
      const ps = web();
      return ps.length === 4 && ps.every((p) => p.spec.nodeName === names[1] && podReady(p));
    }, { timeoutMs: 30_000, what: 'all 4 pods Ready on node B' });
    const uids = new Set(c.cluster.projector.state.list('Pod', { namespace: 'default' }).map((p) => p.metadata.uid));
    for (const l of leftovers) expect(uids.has(l.uid)).toBe(false);
    // Still running while A is down: nobody is there to stop them.
    for (const l of leftovers) expect(alive(l.pid)).toBe(true);

    const a = await startAgent(0);
    await eventually(() => readyStatus(node(0)) === 'True', { timeoutMs: 15_000, what: 'node A Ready again' });
    await eventually(() => leftovers.every((l) => !alive(l.pid)), { timeoutMs: 20_000, what: 'A stopping the processes of its evicted pods' });
    await eventually(async () => (await a.runtime.listSandboxes()).length === 0, { timeoutMs: 10_000, what: 'A removing their sandboxes' });
    for (const l of leftovers) await expect(httpGet(l.ip, port, '/', 1_000)).rejects.toThrow();
    // No duplicates: the 4 replicas are the pods on B, each answering.
    const ps = web();
    expect(ps).toHaveLength(4);
    for (const p of ps) expect((await httpGet(p.status.podIP, port)).body).toBe(`hello from ${p.metadata.name} at ${p.status.podIP}\n`);
  });
});
