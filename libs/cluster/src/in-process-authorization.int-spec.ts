import pino from 'pino';
import { ClientError } from '@logbook/components';
import { InProcessClusterClient, componentUser } from '@logbook/apiserver';
import { makeTmpDir, randomName } from '@logbook/testing';
import { startEmbeddedCluster, type EmbeddedCluster } from './embedded-cluster';

/** The embedded components' client passes the API server's authorizers, as an HTTPS request would. */
describe('in-process clients are authorized', () => {
  const dir = makeTmpDir();
  let cluster: EmbeddedCluster;

  beforeAll(async () => {
    cluster = await startEmbeddedCluster({ dataDir: dir.path, port: 0, logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'warn' }), components: false });
  });
  afterAll(async () => {
    await cluster?.close();
    dir.remove();
  });

  const clientOf = (name: string) => new InProcessClusterClient(cluster.api.writer, cluster.projector, componentUser(name), cluster.api.authorizer);
  const configMap = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { a: 'b' } });

  it('refuses a user without a binding with kube\'s 403 and writes nothing', async () => {
    const name = randomName('cm');
    const refused = await clientOf(randomName('nobody')).create(configMap(name), {}).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ClientError);
    expect(refused).toMatchObject({ code: 403, reason: 'Forbidden', message: expect.stringMatching(/^configmaps is forbidden: User "nobody-[a-z0-9]+" cannot create resource "configmaps" in API group "" in the namespace "default"$/) });
    expect(cluster.projector.state.get('ConfigMap', 'default', name)).toBeUndefined();
  });

  it('lets each component do what its role grants, and no more', async () => {
    const manager = clientOf('system:kube-controller-manager');
    const created = await manager.create(configMap(randomName('cm')), {});
    expect(created.metadata.uid).toBeDefined();
    const scheduler = clientOf('system:kube-scheduler');
    expect((await scheduler.listAll(['Pod', 'Node'])).items).toBeDefined();
    await expect(scheduler.create(configMap(randomName('cm')), {})).rejects.toMatchObject({ code: 403 });
    // A node reads only what its pods use.
    await expect(clientOf('system:node:elsewhere').getObject!('ConfigMap', 'default', created.metadata.name!)).rejects.toMatchObject({
      code: 403,
      message: expect.stringContaining("no relationship found between node 'elsewhere' and this object"),
    });
  });
});
