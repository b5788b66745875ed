import type { KubeObject } from '@logbook/kube';
import { InProcessClusterClient, componentUser } from '@logbook/apiserver';
import { ClientError } from '@logbook/components';
import { eventually, randomName } from '@logbook/testing';
import { type AcceptanceCluster, startAcceptanceCluster } from './harness';

jest.setTimeout(60_000);

const pod = (name: string, namespace: string, cpu: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace },
  spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu }, limits: { cpu } } }] },
});

/**
 * ResourceQuota admission under concurrency (docs/security.md): creates racing for the last of a
 * namespace's quota, through the one write path, never all get in — the ones admitted but not yet
 * applied by the projection are counted — and the quota controller reports what got in.
 */
describe('ResourceQuota with concurrent creates', () => {
  let c: AcceptanceCluster;
  beforeAll(async () => {
    c = await startAcceptanceCluster({});
  });
  afterAll(async () => c?.close());

  it('admits exactly as many pods as the quota allows, however many race, and reports them used', async () => {
    const ns = randomName('quota-race');
    const client = new InProcessClusterClient(c.cluster.api.writer, c.cluster.projector, componentUser('system:admin'));
    const cause = { correlationId: randomName('req') };
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, cause);
    await client.create({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', namespace: ns }, spec: { hard: { pods: '3', 'requests.cpu': '1' } } }, cause);

    const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => client.create(pod(`p-${i}`, ns, '300m'), cause)));
    const admitted = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    // Three pods of 300m fit under 1 CPU; every other create is refused in kube's words.
    expect(admitted).toHaveLength(3);
    for (const r of refused) {
      expect(r.reason).toBeInstanceOf(ClientError);
      expect((r.reason as ClientError).code).toBe(403);
      expect((r.reason as Error).message).toMatch(new RegExp(`^pods "p-\\d+" is forbidden: exceeded quota: q, requested: (pods=1,)?requests.cpu=300m, used: (pods=3,)?requests.cpu=900m, limited: (pods=3,)?requests.cpu=1$`));
    }
    expect(c.cluster.projector.state.list('Pod', { namespace: ns })).toHaveLength(3);

    const status = await eventually(() => {
      const s = c.cluster.projector.state.get('ResourceQuota', ns, 'q')?.status;
      return s?.used?.pods === '3' && s;
    }, { timeoutMs: 20_000, what: 'the quota controller to report 3 pods used' });
    expect(status).toEqual({ hard: { pods: '3', 'requests.cpu': '1' }, used: { pods: '3', 'requests.cpu': '900m' } });
  });
});
