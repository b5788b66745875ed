import pino from 'pino';
import { ClientError, type ClusterClient } from '@logbook/components';
import { InProcessClusterClient, componentUser } from '@logbook/apiserver';
import { HttpClusterClient, loadEndpoint } from '@logbook/client';
import { makeTmpDir, randomName } from '@logbook/testing';
import { startEmbeddedCluster, type EmbeddedCluster } from './embedded-cluster';

/**
 * The ClusterClient methods the HPA controller needs (scale subresource, PodMetrics) behave the
 * same in process and over HTTPS against a real API server.
 */
describe('ClusterClient getScale / updateScale / podMetrics', () => {
  const dir = makeTmpDir();
  let cluster: EmbeddedCluster;
  let http: HttpClusterClient;
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'warn' });

  beforeAll(async () => {
    cluster = await startEmbeddedCluster({ dataDir: dir.path, port: 0, logger: log, components: false });
    const endpoint = loadEndpoint(cluster.kubeconfig);
    http = new HttpClusterClient({ server: endpoint.server, token: endpoint.token, ca: endpoint.caCert });
  });
  afterAll(async () => {
    http.close();
    await cluster.close();
    dir.remove();
  });

  const clients: Array<[string, () => ClusterClient]> = [
    ['in process', () => new InProcessClusterClient(cluster.api.writer, cluster.projector, componentUser('system:kube-controller-manager'))],
    ['over HTTPS', () => http],
  ];

  it.each(clients)('%s: reads and writes a Deployment’s scale, with resourceVersion as precondition', async (_name, clientOf) => {
    const client = clientOf();
    const name = randomName('web');
    await client.create(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace: 'default' },
        spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
      },
      {},
    );
    const scale = await client.getScale!('Deployment', 'default', name);
    expect(scale).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 1 }, status: { selector: `app=${name}` } });

    const written = await client.updateScale!('Deployment', { ...scale, spec: { replicas: 3 } }, { correlationId: 'test' });
    expect(written.spec.replicas).toBe(3);
    expect((await client.getObject!('Deployment', 'default', name))!.spec.replicas).toBe(3);

    // The first read's resourceVersion is stale now.
    await expect(client.updateScale!('Deployment', { ...scale, spec: { replicas: 5 } }, {})).rejects.toMatchObject({ code: 409 });
    await expect(client.getScale!('Deployment', 'default', 'absent')).rejects.toBeInstanceOf(ClientError);
  });

  it.each(clients)('%s: answers no PodMetrics for pods on nodes without an agent', async (_name, clientOf) => {
    expect(await clientOf().podMetrics!('default', 'app=none')).toEqual([]);
  });
});
