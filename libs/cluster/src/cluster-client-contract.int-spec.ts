import pino from 'pino';
import { InProcessClusterClient, componentUser } from '@logbook/apiserver';
import { HttpClusterClient, loadEndpoint } from '@logbook/client';
import { clusterClientContract } from '../../components/src/contract/cluster-client.contract';
import { makeTmpDir } from '@logbook/testing';
import { startEmbeddedCluster, type EmbeddedCluster } from './embedded-cluster';

/**
 * One set of behaviours, two ways of writing: the in-process client the embedded components use
 * and the HTTPS client of distributed mode, against the same real API server.
 */
describe('ClusterClient implementations', () => {
  const dir = makeTmpDir();
  let cluster: EmbeddedCluster;
  let http: HttpClusterClient;

  beforeAll(async () => {
    cluster = await startEmbeddedCluster({ dataDir: dir.path, port: 0, logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'warn' }), components: false });
    const endpoint = loadEndpoint(cluster.kubeconfig);
    http = new HttpClusterClient({ server: endpoint.server, token: endpoint.token, ca: endpoint.caCert });
  });
  afterAll(async () => {
    http?.close();
    await cluster?.close();
    dir.remove();
  });

  clusterClientContract('in process', () => new InProcessClusterClient(cluster.api.writer, cluster.projector, componentUser('system:contract-test'), undefined, cluster.api.serviceAccountTokens));
  clusterClientContract('over HTTPS', () => http);
});
