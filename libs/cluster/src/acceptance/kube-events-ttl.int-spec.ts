import { eventually, randomName } from '@logbook/testing';
import { type AcceptanceCluster, readStream, startAcceptanceCluster } from './harness';

const TTL_MS = 3_000;

/**
 * Acceptance (Kubernetes Events): the controller manager's event-TTL controller deletes Events
 * whose last occurrence is older than --event-ttl, as kube-apiserver expires them; the log keeps
 * every one of them.
 */
describe('Kubernetes Events past their TTL', () => {
  let c: AcceptanceCluster;

  beforeAll(async () => {
    c = await startAcceptanceCluster({ hollowNodes: 1, hollowHeartbeatMs: 1_000, eventTtlMs: TTL_MS });
  }, 30_000);
  afterAll(async () => {
    await c?.close();
  });

  it('are deleted by the controller manager once their lastTimestamp is older than the TTL, and stay in the log', async () => {
    const name = randomName('pod');
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'app', image: 'busybox' }] } };
    await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(pod) });
    const scheduled = await eventually(() => c.cluster.projector.state.list('Event', { namespace: 'default' }).find((e) => e.involvedObject?.name === name && e.reason === 'Scheduled'), {
      what: 'the Scheduled Event',
    });
    const listed = await c.kubectl(['get', 'events', '--field-selector', `involvedObject.name=${name}`]);
    expect(listed.stdout).toMatch(new RegExp(`Normal\\s+Scheduled\\s+pod/${name}`));

    const goneAt = await eventually(() => !c.cluster.projector.state.get('Event', 'default', scheduled.metadata.name!) && Date.now(), { timeoutMs: 20_000, what: 'the Event deleted' });
    expect(goneAt - Date.parse(scheduled.lastTimestamp)).toBeGreaterThanOrEqual(TTL_MS - 1_000); // lastTimestamp has whole seconds
    const after = await c.kubectl(['get', 'events', '--field-selector', `involvedObject.name=${name}`]);
    expect(after.stdout).toBe('');
    expect(after.stderr).toMatch(/No resources found in default namespace/);

    const history = await readStream(c.cluster, `Event/default/${scheduled.metadata.name}`);
    expect(history.map((e) => [e.type, e.metadata.actor])).toEqual([
      ['EventCreated', 'system:kube-scheduler'],
      ['ObjectDeleted', 'system:kube-controller-manager'],
    ]);
    // The pod itself is untouched.
    expect(c.cluster.projector.state.get('Pod', 'default', name)?.spec.nodeName).toBeTruthy();
  });
});
