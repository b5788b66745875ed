import type { KubeObject } from '@logbook/kube';
import { ClientError } from '@logbook/components';
import { NodeHeartbeats } from './heartbeats';
import { HollowNodeRegistry } from './node-registry';
import { hollowNodeObject, hollowNodeStatus, readyCondition } from './node-status';
import { RecordingClient } from './testing/recording-client';

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function fixture(cached?: (node: KubeObject) => KubeObject) {
  const nodes = new HollowNodeRegistry('n-', 1);
  const client = new RecordingClient();
  let now = Date.parse('2025-03-01T10:00:00Z');
  const node = nodes.require('n-0');
  const registered: KubeObject = { ...hollowNodeObject(node), status: hollowNodeStatus(node, { cpu: '4', memory: '16Gi', pods: 110 }, new Date(now)) };
  registered.metadata.resourceVersion = '5';
  const heartbeats = new NodeHeartbeats({ client, nodes, intervalMs: 10_000, now: () => new Date(now), log: silent, read: cached ? () => cached(registered) : undefined });
  heartbeats.remember(registered);
  return { client, heartbeats, registered, advance: (ms: number) => (now += ms) };
}

describe('NodeHeartbeats.beat', () => {
  it('renews lastHeartbeatTime with the node resourceVersion as precondition, keeping lastTransitionTime', async () => {
    const f = fixture();
    f.advance(10_000);
    await f.heartbeats.beat('n-0');
    const [written] = f.client.writes('updateStatus');
    expect(written.metadata.resourceVersion).toBe('5');
    expect(readyCondition(written)).toMatchObject({ status: 'True', lastHeartbeatTime: '2025-03-01T10:00:10Z', lastTransitionTime: '2025-03-01T10:00:00Z' });
    expect(written.status.capacity).toEqual(f.registered.status.capacity);
  });

  it('starts from what it wrote last', async () => {
    const f = fixture();
    f.advance(1_000);
    await f.heartbeats.beat('n-0');
    f.advance(1_000);
    await f.heartbeats.beat('n-0');
    const [, second] = f.client.writes('updateStatus');
    expect(second.metadata.resourceVersion).toBe('1001');
  });

  it('sends nothing within the second of the last beat, since the status would not change', async () => {
    const f = fixture();
    f.advance(1_000);
    await f.heartbeats.beat('n-0');
    f.advance(999);
    await f.heartbeats.beat('n-0');
    expect(f.client.writes('updateStatus')).toHaveLength(1);
    f.advance(1);
    await f.heartbeats.beat('n-0');
    expect(f.client.writes('updateStatus').map((n) => readyCondition(n).lastHeartbeatTime)).toEqual(['2025-03-01T10:00:01Z', '2025-03-01T10:00:02Z']);
  });

  it('makes a node the lifecycle controller marked Unknown Ready again', async () => {
    const f = fixture((n) => ({
      ...n,
      metadata: { ...n.metadata, resourceVersion: '9' },
      status: { ...n.status, conditions: n.status.conditions.map((c: any) => (c.type === 'Ready' ? { ...c, status: 'Unknown', reason: 'NodeStatusUnknown' } : c)) },
    }));
    f.advance(60_000);
    await f.heartbeats.beat('n-0');
    const [written] = f.client.writes('updateStatus');
    expect(written.metadata.resourceVersion).toBe('9');
    expect(readyCondition(written)).toMatchObject({ status: 'True', reason: 'KubeletReady', lastTransitionTime: '2025-03-01T10:01:00Z' });
  });

  it('retries a conflict once with the newest copy from the API', async () => {
    const f = fixture();
    f.client.failNext(new ClientError(409, 'Conflict', 'stale'));
    f.client.listed = [{ ...f.registered, metadata: { ...f.registered.metadata, resourceVersion: '7' } }];
    f.advance(10_000);
    await f.heartbeats.beat('n-0');
    expect(f.client.writes('updateStatus').map((n) => n.metadata.resourceVersion)).toEqual(['5', '7']);
  });

  it('gives up after a second conflict until the next interval', async () => {
    const f = fixture();
    f.client.failNext(new ClientError(409, 'Conflict', 'stale')).failNext(new ClientError(409, 'Conflict', 'stale'));
    f.advance(10_000);
    await expect(f.heartbeats.beat('n-0')).resolves.toBeUndefined();
    expect(f.client.writes('updateStatus')).toHaveLength(2);
  });

  it('refuses to pause a node it does not play', () => {
    expect(() => fixture().heartbeats.pause('other')).toThrow('other is not a hollow node');
  });
});
