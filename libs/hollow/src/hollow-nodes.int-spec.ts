import pino from 'pino';
import { type KubeObject, streamName } from '@logbook/kube';
import { InProcessClusterClient, componentUser } from '@logbook/apiserver';
import { startEmbeddedCluster, type EmbeddedCluster } from '@logbook/cluster';
import { eventually, makeTmpDir, randomName } from '@logbook/testing';
import { HollowNodes, type RunningHollowNodes } from './hollow-nodes';
import { readyCondition } from './node-status';
import { EXIT_CODE_ANNOTATION } from './pod-status';

describe('HollowNodes against the real API write path', () => {
  const dir = makeTmpDir();
  const log = pino({ level: 'warn' });
  let cluster: EmbeddedCluster;
  let client: InProcessClusterClient;
  let hollow: RunningHollowNodes;
  const prefix = `${randomName('hollow')}-`;

  const node = (name: string) => cluster.projector.state.getByStream(streamName('Node', undefined, name));
  const pod = (name: string) => cluster.projector.state.getByStream(streamName('Pod', 'default', name));
  const heartbeat = (name: string): number => Date.parse(readyCondition(node(name))?.lastHeartbeatTime ?? '');

  async function createBound(name: string, nodeName: string, extra: Partial<KubeObject['spec']> = {}, annotations?: Record<string, string>): Promise<void> {
    const created = await client.create(
      { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', ...(annotations ? { annotations } : {}) }, spec: { containers: [{ name: 'app', image: 'nginx:1.25' }], ...extra } },
      { correlationId: `test-${name}` },
    );
    await client.bind('default', name, nodeName, created.metadata.resourceVersion!, { correlationId: `test-${name}` });
  }

  beforeAll(async () => {
    cluster = await startEmbeddedCluster({ dataDir: dir.path, port: 0, logger: log, components: false });
    client = new InProcessClusterClient(cluster.api.writer, cluster.projector, componentUser('system:hollow'));
    hollow = await HollowNodes.start({ bus: cluster.bus, client, log, count: 3, namePrefix: prefix, heartbeatIntervalMs: 200, jobPodRunMs: 100 });
  }, 30_000);

  afterAll(async () => {
    await hollow?.stop();
    await cluster?.close();
    dir.remove();
  });

  it('registers three Ready nodes, idempotently', async () => {
    expect(hollow.nodeNames).toEqual([0, 1, 2].map((i) => `${prefix}${i}`));
    for (const name of hollow.nodeNames) {
      expect(readyCondition(node(name))?.status).toBe('True');
      expect(node(name)?.status.allocatable).toEqual({ cpu: '4', memory: '16Gi', pods: '110' });
    }
    // A second agent for the same nodes adopts them.
    const again = await new HollowNodes(client, { count: 3, namePrefix: prefix }).register();
    expect(again.map((n) => n.metadata.name)).toEqual(hollow.nodeNames);
  });

  it('reports a pod bound to one of its nodes Running with a pod IP, caused by the binding', async () => {
    const name = randomName('web');
    const target = hollow.nodeNames[1];
    await createBound(name, target);
    const running = await eventually(() => (pod(name)?.status?.phase === 'Running' ? pod(name) : undefined), { what: `${name} Running`, timeoutMs: 15_000 });
    expect(running!.status.podIP).toMatch(/^127\./);
    expect(running!.status.hostIP).toBe(node(target)!.status.addresses[0].address);
    expect(running!.status.conditions.find((c: any) => c.type === 'Ready').status).toBe('True');
    const history = await cluster.store.readStream(`Pod/default/${name}`);
    expect(history.map((e) => e.type)).toEqual(['PodCreated', 'PodBound', 'PodStatusChanged']);
    expect(history[2].metadata.causationId).toBe(history[1].id);
    expect(history[2].metadata.correlationId).toBe(`test-${name}`);
    expect(history[2].metadata.actor).toBe('system:hollow');
  }, 20_000);

  it('runs a Job pod to Failed with the exit code of its annotation', async () => {
    const name = randomName('job');
    await createBound(name, hollow.nodeNames[0], { restartPolicy: 'Never' }, { [EXIT_CODE_ANNOTATION]: '2' });
    await eventually(() => pod(name)?.status?.phase === 'Failed', { what: `${name} Failed`, timeoutMs: 15_000 });
    expect(pod(name)!.status.containerStatuses[0].state.terminated.exitCode).toBe(2);
  }, 20_000);

  it('stops a paused node heartbeating while the others go on, and resumes it', async () => {
    const [live, paused] = hollow.nodeNames;
    hollow.pause(paused);
    // A beat already in flight may still land; once the live node is 2 s ahead, the paused one is silent.
    await eventually(() => heartbeat(live) >= heartbeat(paused) + 2_000, { what: 'live node 2 s ahead', timeoutMs: 15_000 });
    const frozen = heartbeat(paused);
    await eventually(() => heartbeat(live) >= frozen + 4_000, { what: 'live node 4 s ahead', timeoutMs: 15_000 });
    expect(heartbeat(paused)).toBe(frozen);

    // A pod bound to the paused node stays Pending.
    const name = randomName('dead');
    await createBound(name, paused);
    await eventually(() => pod(name)?.spec?.nodeName === paused, { what: 'bound' });
    hollow.resume(paused);
    await eventually(() => heartbeat(paused) > frozen, { what: 'paused node heartbeating again', timeoutMs: 15_000 });
    await eventually(() => pod(name)?.status?.phase === 'Running', { what: `${name} Running after resume`, timeoutMs: 15_000 });
  }, 40_000);
});
