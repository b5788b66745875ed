import pino from 'pino';
import type { KubeObject } from '@logbook/kube';
import { ClientError, ControllerHost } from '@logbook/components';
import { HttpClusterClient, loadEndpoint } from '@logbook/client';
import { eventually, makeTmpDir, randomName } from '@logbook/testing';
import { startEmbeddedCluster, type EmbeddedCluster } from '@logbook/cluster';
import { SchedulerController } from './scheduler.controller';
import { makeNode, makePod } from './testing/builders';
import { milliValue } from './quantity';

/**
 * The scheduler as `apps/scheduler` runs it: a ControllerHost on the cluster's bus, writing over
 * HTTPS through HttpClusterClient with the admin token.
 */
describe('SchedulerController over HTTPS on the embedded bus', () => {
  const dir = makeTmpDir();
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'warn' });
  let cluster: EmbeddedCluster;
  let client: HttpClusterClient;
  let host: ControllerHost;

  beforeAll(async () => {
    cluster = await startEmbeddedCluster({ dataDir: dir.path, port: 0, logger: log, components: false });
    const endpoint = loadEndpoint(cluster.kubeconfig);
    client = new HttpClusterClient({ server: endpoint.server, token: endpoint.token, ca: endpoint.caCert });
    host = new ControllerHost({ bus: cluster.bus, client, controllers: [new SchedulerController()], log, instanceId: randomName('sched'), assignmentPollMs: 20 });
    await host.start();
  }, 30_000);
  afterAll(async () => {
    await host?.stop();
    client?.close();
    await cluster?.close();
    dir.remove();
  });

  const pods = (prefix: string) => cluster.projector.state.list('Pod', { namespace: 'default' }).filter((p) => p.metadata.name!.startsWith(prefix));
  const create = (obj: KubeObject) => client.create(obj, { correlationId: randomName('req') });

  it('places pods on nodes of different sizes without overcommitting any', async () => {
    const prefix = randomName('spread');
    const sizes: Record<string, string> = { [`${prefix}-n1`]: '2', [`${prefix}-n2`]: '4', [`${prefix}-n3`]: '6' };
    for (const [name, cpu] of Object.entries(sizes)) await create(makeNode(name).capacity({ cpu, memory: '16Gi' }).obj());
    for (let i = 0; i < 10; i++) await create(makePod(`${prefix}-p${i}`).requests({ cpu: '1', memory: '1Gi' }).obj());
    await eventually(() => pods(prefix).filter((p) => p.spec.nodeName).length === 10, { what: '10 pods bound', timeoutMs: 20_000 });
    const perNode = new Map<string, number>();
    for (const p of pods(prefix)) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
    for (const [node, n] of perNode) expect(n * 1000).toBeLessThanOrEqual(milliValue(sizes[node]));
    expect(perNode.size).toBe(3);
  }, 30_000);

  it('leaves a pod that fits nowhere Pending with the reasons, and binds it when a big-enough node registers', async () => {
    const prefix = randomName('huge');
    await create(makePod(`${prefix}-p`).requests({ cpu: '64' }).obj());
    const condition = () => pods(prefix)[0]?.status?.conditions?.find((c: any) => c.type === 'PodScheduled');
    await eventually(() => condition()?.reason === 'Unschedulable', { what: 'PodScheduled=False', timeoutMs: 20_000 });
    expect(condition().message).toMatch(/^0\/\d+ nodes are available: \d+ Insufficient cpu\.$/);
    expect(pods(prefix)[0].spec.nodeName).toBeUndefined();
    await create(makeNode(`${prefix}-big`).capacity({ cpu: '128' }).obj());
    await eventually(() => pods(prefix)[0]?.spec.nodeName === `${prefix}-big`, { what: 'bound to the big node', timeoutMs: 20_000 });
  }, 30_000);

  it('maps API failures to ClientErrors and lists at a consistent position', async () => {
    const err = await client.bind('default', randomName('nope'), 'n1', '', {}).catch((e) => e);
    expect(err).toBeInstanceOf(ClientError);
    expect(err.code).toBe(404);
    const { items, position } = await client.listAll(['Node', 'Pod']);
    expect(items.some((o) => o.kind === 'Node')).toBe(true);
    expect(position).toBeGreaterThan(0);
    expect(position).toBeLessThanOrEqual(cluster.projector.state.position);
  });
});
