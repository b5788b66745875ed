import pino from 'pino';
import type { KubeObject } from '@logbook/kube';
import { ControllerHost, type Controller, keyOf, splitKey } from '@logbook/components';
import { InProcessClusterClient, componentUser } from '@logbook/apiserver';
import { eventually, makeTmpDir, randomName } from '@logbook/testing';
import { startEmbeddedCluster, type EmbeddedCluster } from './embedded-cluster';

/** Marks every ConfigMap with the replica that reconciled it: shows how work is split. */
class StampController implements Controller {
  readonly name: string;
  readonly primaryKind = 'ConfigMap';
  readonly watches = ['ConfigMap'];
  readonly seen = new Set<string>();
  constructor(group: string, private readonly replica: string) {
    this.name = group;
  }
  keysFor(change: { after?: KubeObject }): string[] {
    return change.after && !change.after.metadata.annotations?.stamp ? [keyOf(change.after)] : [];
  }
  async reconcile(key: string, ctx: Parameters<Controller['reconcile']>[1]): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cm = ctx.cache.get('ConfigMap', namespace, name);
    if (!cm || cm.metadata.annotations?.stamp) return;
    await ctx.client.update({ ...cm, metadata: { ...cm.metadata, annotations: { ...cm.metadata.annotations, stamp: this.replica } } }, ctx.cause);
    // Only successful writes count: in the moment of a rebalance both replicas may try a key,
    // and the resourceVersion precondition lets exactly one of them write.
    this.seen.add(key);
  }
}

describe('ControllerHost replicas on the embedded bus', () => {
  const dir = makeTmpDir();
  let cluster: EmbeddedCluster;
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'warn' });

  beforeAll(async () => {
    cluster = await startEmbeddedCluster({ dataDir: dir.path, port: 0, logger: log, components: false });
  });
  afterAll(async () => {
    await cluster.close();
    dir.remove();
  });

  it('splits keys between two replicas, and the survivor takes over when one stops', async () => {
    const group = randomName('stamp');
    const client = new InProcessClusterClient(cluster.api.writer, cluster.projector, componentUser('system:stamper'));
    const a = new StampController(group, 'a');
    const b = new StampController(group, 'b');
    const hostA = new ControllerHost({ bus: cluster.bus, client, controllers: [a], log, instanceId: 'a', assignmentPollMs: 20 });
    const hostB = new ControllerHost({ bus: cluster.bus, client, controllers: [b], log, instanceId: 'b', assignmentPollMs: 20 });
    await hostA.start();
    await hostB.start();
    const ns = 'default';
    const stamps = () => cluster.projector.state.list('ConfigMap', { namespace: ns }).filter((c) => c.metadata.name!.startsWith(group)).map((c) => c.metadata.annotations?.stamp);
    const create = async (from: number, to: number) => {
      for (let i = from; i < to; i++) await client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${group}-${i}`, namespace: ns } }, { correlationId: `test-${i}` });
    };
    try {
      await create(0, 60);
      await eventually(() => stamps().length === 60 && stamps().every(Boolean), { what: 'all 60 stamped', timeoutMs: 20_000 });
      expect(a.seen.size).toBeGreaterThan(0);
      expect(b.seen.size).toBeGreaterThan(0);
      expect(a.seen.size + b.seen.size).toBe(60);

      await hostA.stop();
      await create(60, 120);
      await eventually(() => stamps().length === 120 && stamps().every(Boolean), { what: 'all 120 stamped', timeoutMs: 20_000 });
      const late = cluster.projector.state.list('ConfigMap', { namespace: ns }).filter((c) => Number(c.metadata.name!.split('-').pop()) >= 60);
      expect(late.every((c) => c.metadata.annotations?.stamp === 'b')).toBe(true);

      // The stamp write is caused by the create event and keeps the create's correlation id.
      const stamped = late[0];
      const history = await cluster.store.readStream(`ConfigMap/${ns}/${stamped.metadata.name}`);
      expect(history.map((e) => e.type)).toEqual(['ConfigMapCreated', 'ConfigMapUpdated']);
      expect(history[1].metadata.causationId).toBe(history[0].id);
      expect(history[1].metadata.correlationId).toBe(history[0].metadata.correlationId);
      expect(history[1].metadata.actor).toBe('system:stamper');
    } finally {
      await hostA.stop();
      await hostB.stop();
    }
  }, 60_000);
});
