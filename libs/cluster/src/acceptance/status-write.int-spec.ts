import { InProcessClusterClient, componentUser } from '@logbook/apiserver';
import { type AcceptanceCluster, startAcceptanceCluster } from './harness';

/**
 * Found by node-failure: a status write that changes nothing must leave the projected object
 * intact. It used to strip `metadata.resourceVersion` from the projection's copy, so every later
 * write with that resourceVersion as precondition (a controller's) failed with 409 until someone
 * else changed the object — a silent node could never be marked Unknown.
 */
describe('A status write that changes nothing', () => {
  let t: AcceptanceCluster;

  beforeAll(async () => {
    t = await startAcceptanceCluster({});
  }, 30_000);
  afterAll(async () => {
    await t?.close();
  });

  it('keeps the resourceVersion, so a later write with it as precondition succeeds', async () => {
    const client = new InProcessClusterClient(t.cluster.api.writer, t.cluster.projector, componentUser('system:node:test'));
    // With its podCIDR given (kubelet --pod-cidr), the node IPAM controller does not write to it.
    const created = await client.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'noop-node' }, spec: { podCIDR: '10.250.0.0/24', podCIDRs: ['10.250.0.0/24'] } }, {});
    const status = { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: '2025-01-01T00:00:00Z' }] };
    const withStatus = await client.updateStatus({ ...created, status }, {});
    const rv = withStatus.metadata.resourceVersion;
    expect(rv).toBeDefined();

    await client.updateStatus({ ...withStatus, status: structuredClone(status) }, {});
    expect(t.cluster.projector.state.get('Node', undefined, 'noop-node')!.metadata.resourceVersion).toBe(rv);
    const got = JSON.parse((await t.kubectl(['get', 'node', 'noop-node', '-o', 'json'])).stdout);
    expect(got.metadata.resourceVersion).toBe(rv);

    const next = await client.updateStatus({ ...withStatus, metadata: { ...withStatus.metadata, resourceVersion: rv }, status: { conditions: [{ ...status.conditions[0], status: 'Unknown' }] } }, {});
    expect(next.status.conditions[0].status).toBe('Unknown');
  });
});
