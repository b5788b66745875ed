import { ClientError } from '@logbook/components';
import { HollowNodes } from './hollow-nodes';
import { readyCondition } from './node-status';
import { RecordingClient } from './testing/recording-client';

const at = (iso: string) => () => new Date(iso);

describe('HollowNodes.register', () => {
  it('creates each node with its labels, then posts a Ready status with capacity, addresses and nodeInfo', async () => {
    const client = new RecordingClient();
    const nodes = new HollowNodes(client, { count: 2, cpu: '8', memory: '32Gi', pods: 50, labels: { zone: 'a' }, now: at('2025-03-01T10:00:00.123Z') });
    await nodes.register();
    expect(nodes.nodeNames).toEqual(['hollow-node-0', 'hollow-node-1']);
    const created = client.writes('create');
    expect(created.map((n) => n.metadata.name)).toEqual(['hollow-node-0', 'hollow-node-1']);
    expect(created[0]).toEqual({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: 'hollow-node-0',
        labels: { 'kubernetes.io/hostname': 'hollow-node-0', 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'node.logbook.io/hollow': 'true', zone: 'a' },
        annotations: { 'logbook.io/volumes-dir': '/var/lib/logbook-hollow/hollow-node-0/volumes' },
      },
      spec: {},
    });
    const [s0, s1] = client.writes('updateStatus').map((n) => n.status);
    expect(s0.capacity).toEqual({ cpu: '8', memory: '32Gi', pods: '50' });
    expect(s0.allocatable).toEqual(s0.capacity);
    expect(readyCondition({ apiVersion: 'v1', kind: 'Node', metadata: {}, status: s0 })).toEqual({
      type: 'Ready',
      status: 'True',
      reason: 'KubeletReady',
      message: 'hollow node is posting ready status',
      lastHeartbeatTime: '2025-03-01T10:00:00Z',
      lastTransitionTime: '2025-03-01T10:00:00Z',
    });
    expect(s0.conditions.filter((c: any) => c.type !== 'Ready').map((c: any) => [c.type, c.status])).toEqual([
      ['MemoryPressure', 'False'],
      ['DiskPressure', 'False'],
      ['PIDPressure', 'False'],
    ]);
    expect(s0.addresses[0].type).toBe('InternalIP');
    expect(s0.addresses[0].address).toMatch(/^127\./);
    expect(s0.addresses[0].address).not.toBe(s1.addresses[0].address);
    expect(s0.addresses[1]).toEqual({ type: 'Hostname', address: 'hollow-node-0' });
    expect(s0.nodeInfo).toMatchObject({ kubeletVersion: 'v1.32.0-logbook-hollow', containerRuntimeVersion: 'hollow://0', operatingSystem: 'linux', architecture: 'amd64' });
  });

  it('adopts a node that already exists instead of failing', async () => {
    const client = new RecordingClient().failNext(new ClientError(409, 'AlreadyExists', 'nodes "hollow-node-0" already exists'));
    const nodes = new HollowNodes(client, { count: 1 });
    await nodes.register();
    const [status] = client.writes('updateStatus');
    expect(status.metadata).toEqual({ name: 'hollow-node-0' });
    expect(status.status.conditions.find((c: any) => c.type === 'Ready').status).toBe('True');
  });

  it('fails on any other error', async () => {
    const client = new RecordingClient().failNext(new ClientError(422, 'Invalid', 'bad name'));
    await expect(new HollowNodes(client, { count: 1 }).register()).rejects.toThrow('bad name');
  });
});
