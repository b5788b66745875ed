import pino from 'pino';
import { ClientError } from '@logbook/components';
import { HttpClusterClient, loadEndpoint } from '@logbook/client';
import { eventually, makeTmpDir, randomName } from '@logbook/testing';
import { startEmbeddedCluster, type EmbeddedCluster } from './embedded-cluster';

/**
 * Persistent volumes and node IPAM through a real API server, scheduler and controller manager
 * (no node agent: the test plays the node's part, publishing its volumes directory).
 */
describe('persistent volumes and node IPAM in logbook up', () => {
  const dir = makeTmpDir();
  let cluster: EmbeddedCluster;
  let client: HttpClusterClient;
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'warn' });
  const nodeName = randomName('node');

  beforeAll(async () => {
    cluster = await startEmbeddedCluster({ dataDir: dir.path, port: 0, logger: log, componentOptions: { clusterCidr: '10.244.0.0/16', nodeCidrMaskSize: 24 } });
    const endpoint = loadEndpoint(cluster.kubeconfig);
    client = new HttpClusterClient({ server: endpoint.server, token: endpoint.token, ca: endpoint.caCert });
    await client.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: nodeName, labels: { 'kubernetes.io/hostname': nodeName }, annotations: { 'logbook.io/volumes-dir': `${dir.path}/volumes` } }, spec: {} }, {});
    const node = (await client.getObject!('Node', undefined, nodeName))!;
    const resources = { cpu: '4', memory: '8Gi', pods: '110' };
    await client.updateStatus({ ...node, status: { capacity: resources, allocatable: resources, conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: new Date().toISOString() }] } }, {});
  });
  afterAll(async () => {
    client.close();
    await cluster.close();
    dir.remove();
  });

  it('gives the node a podCIDR from the cluster CIDR, which then stays', async () => {
    const node = await eventually(async () => ((await client.getObject!('Node', undefined, nodeName))?.spec?.podCIDR ? client.getObject!('Node', undefined, nodeName) : undefined), { what: 'podCIDR' });
    expect(node!.spec.podCIDR).toMatch(/^10\.244\.\d+\.0\/24$/);
    expect(node!.spec.podCIDRs).toEqual([node!.spec.podCIDR]);
    await expect(client.update({ ...node!, spec: { ...node!.spec, podCIDR: '10.244.200.0/24', podCIDRs: ['10.244.200.0/24'] } }, {})).rejects.toMatchObject({ code: 422 });
  });

  it('starts with the default standard class; a claim without a class gets it, and its pod gets a local-path volume on its node', async () => {
    const standard = await client.getObject!('StorageClass', undefined, 'standard');
    expect(standard).toMatchObject({ provisioner: 'logbook.io/local-path', reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer', metadata: { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } });

    const claimName = randomName('data');
    const created = await client.create({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: claimName, namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }, {});
    expect(created.spec.storageClassName).toBe('standard');
    expect(created.status.phase).toBe('Pending');

    const podName = randomName('app');
    await client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: podName, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }] } }, {});
    const bound = await eventually(async () => {
      const c = await client.getObject!('PersistentVolumeClaim', 'default', claimName);
      return c?.status?.phase === 'Bound' ? c : undefined;
    }, { what: 'claim bound', timeoutMs: 30_000 });
    expect(bound.spec.volumeName).toBe(`pvc-${created.metadata.uid}`);
    expect(bound.metadata.annotations?.['volume.kubernetes.io/selected-node']).toBe(nodeName);
    const pv = (await client.getObject!('PersistentVolume', undefined, bound.spec.volumeName))!;
    expect(pv.spec.local.path).toBe(`${dir.path}/volumes/pvc-${created.metadata.uid}`);
    expect(pv.status.phase).toBe('Bound');
    expect(pv.metadata.annotations?.['logbook.io/local-path-node']).toBe(nodeName);

    // No node agent here: delete the pod at once, then the claim; its Delete volume goes.
    await client.delete('Pod', 'default', podName, { gracePeriodSeconds: 0 });
    await client.delete('PersistentVolumeClaim', 'default', claimName, {});
    await eventually(async () => !(await client.getObject!('PersistentVolume', undefined, pv.metadata.name!)), { what: 'volume deleted', timeoutMs: 30_000 });
  });

  it('keeps a pod whose claim does not exist Pending with kube\'s message, and refuses csi volumes', async () => {
    const podName = randomName('orphan');
    await client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: podName, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'nope' } }] } }, {});
    const pod = await eventually(async () => {
      const p = await client.getObject!('Pod', 'default', podName);
      return p?.status?.conditions?.find((c: any) => c.type === 'PodScheduled' && c.status === 'False') ? p : undefined;
    }, { what: 'PodScheduled=False' });
    expect(pod.status.conditions.find((c: any) => c.type === 'PodScheduled').message).toBe('0/1 nodes are available: persistentvolumeclaim "nope" not found.');

    const err = await client
      .create({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: randomName('pv') }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], csi: { driver: 'x', volumeHandle: 'y' } } }, {})
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClientError);
    expect((err as ClientError).code).toBe(422);
    expect((err as ClientError).message).toContain('spec.csi: Forbidden: csi volumes are not supported by Logbook');
  });
});
