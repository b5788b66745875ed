import pino from 'pino';
import { HttpClusterClient } from '@logbook/client';
import { ClientError } from '@logbook/components';
import { startEmbeddedCluster, type EmbeddedCluster } from '@logbook/cluster';
import { kubectl, makeTmpDir, randomName } from '@logbook/testing';

/** The API server allocates Service addresses at create time (no components needed). */
describe('Service address allocation through the API', () => {
  const dir = makeTmpDir('logbook-clusterip-');
  const cache = makeTmpDir('kubectl-cache-');
  let cluster: EmbeddedCluster;
  let client: HttpClusterClient;

  beforeAll(async () => {
    cluster = await startEmbeddedCluster({ dataDir: dir.path, port: 0, logger: pino({ level: 'silent' }), components: false });
    client = new HttpClusterClient({ server: cluster.url, token: cluster.adminToken, ca: cluster.api.caCert });
  }, 30_000);

  afterAll(async () => {
    client?.close();
    await cluster?.close();
    dir.remove();
    cache.remove();
  });

  const svc = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080 }], ...spec } });

  async function rejection(p: Promise<unknown>): Promise<ClientError> {
    const err = await p.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ClientError);
    return err as ClientError;
  }

  it('gives a ClusterIP Service an address that kubectl get svc shows', async () => {
    const name = randomName('web');
    const created = await client.create(svc(name, {}), {});
    const ip = created.spec.clusterIP;
    expect(ip).toMatch(/^127\.96\.\d+\.\d+$/);
    expect(ip).not.toMatch(/\.(0|255)$/);
    expect(created.spec.clusterIPs).toEqual([ip]);

    const out = await kubectl(cluster.kubeconfig, ['get', 'svc', name, '--cache-dir', cache.path]);
    expect(out.stderr).toBe('');
    const [header, row] = out.stdout.trim().split('\n');
    expect(header).toMatch(/NAME\s+TYPE\s+CLUSTER-IP/);
    expect(row.split(/\s+/).slice(0, 3)).toEqual([name, 'ClusterIP', ip]);
  });

  it('gives a NodePort Service a node port per port, and keeps both across a replace that leaves them out', async () => {
    const name = randomName('np');
    const created = await client.create(svc(name, { type: 'NodePort', ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81 }] }), {});
    const nodePorts = created.spec.ports.map((p: any) => p.nodePort);
    expect(new Set(nodePorts).size).toBe(2);
    for (const n of nodePorts) expect(n >= 30000 && n <= 32767).toBe(true);

    const replaced = await client.update({ ...svc(name, { type: 'NodePort', ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81 }] }), metadata: { ...created.metadata } }, {});
    expect(replaced.spec.clusterIP).toBe(created.spec.clusterIP);
    expect(replaced.spec.ports.map((p: any) => p.nodePort)).toEqual(nodePorts);
  });

  it('accepts a free address in the range, and refuses a taken one with 422', async () => {
    const ip = `127.96.254.${10 + Math.floor(Math.random() * 200)}`;
    const first = await client.create(svc(randomName('fixed'), { clusterIP: ip }), {});
    expect(first.spec.clusterIP).toBe(ip);

    const err = await rejection(client.create(svc(randomName('dup'), { clusterIP: ip }), {}));
    expect(err.code).toBe(422);
    expect(err.message).toContain(`spec.clusterIP: Invalid value: "${ip}": provided IP is already allocated`);
  });

  it('refuses an address outside the range, and keeps a headless Service headless', async () => {
    const err = await rejection(client.create(svc(randomName('out'), { clusterIP: '10.0.0.1' }), {}));
    expect(err.code).toBe(422);
    const headless = await client.create(svc(randomName('hl'), { clusterIP: 'None' }), {});
    expect(headless.spec.clusterIP).toBe('None');
  });

  it('hands distinct addresses to Services created at the same time', async () => {
    const created = await Promise.all(Array.from({ length: 20 }, () => client.create(svc(randomName('burst'), {}), {})));
    const ips = created.map((s) => s.spec.clusterIP);
    expect(new Set(ips).size).toBe(20);
  });
});
