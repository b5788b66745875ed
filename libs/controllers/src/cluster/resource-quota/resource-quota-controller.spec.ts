import type { KubeObject } from '@logbook/kube';
import { fixture } from '../testing/fixture';
import { ResourceQuotaController } from './resource-quota-controller';

const quota = (status?: unknown): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ResourceQuota',
  metadata: { name: 'q1', namespace: 'shop' },
  spec: { hard: { pods: '3', 'requests.cpu': '2', 'requests.memory': '1Gi', configmaps: '5' } },
  ...(status ? { status } : {}),
});
const pod = (name: string, cpu: string, memory: string, phase = 'Running'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'shop' },
  spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu, memory } } }] },
  status: { phase },
});

describe('ResourceQuotaController.reconcile', () => {
  describe('when the quota has no status yet', () => {
    it('writes hard from the spec and what the namespace uses now (finished pods and other namespaces left out)', async () => {
      const other = { ...pod('elsewhere', '1', '1Gi'), metadata: { name: 'elsewhere', namespace: 'other' } };
      const { ctx, client } = fixture([quota(), pod('a', '500m', '256Mi'), pod('b', '250m', '512Mi'), pod('done', '1', '1Gi', 'Succeeded'), other]);
      await new ResourceQuotaController().reconcile('shop/q1', ctx);
      expect(client.summary).toEqual(['updateStatus ResourceQuota/q1']);
      expect(client.ofVerb('updateStatus')[0].object.status).toEqual({
        hard: { pods: '3', 'requests.cpu': '2', 'requests.memory': '1Gi', configmaps: '5' },
        used: { pods: '2', 'requests.cpu': '750m', 'requests.memory': '768Mi', configmaps: '0' },
      });
    });
  });

  describe('when the status is current', () => {
    it('writes nothing', async () => {
      const status = { hard: { pods: '3', 'requests.cpu': '2', 'requests.memory': '1Gi', configmaps: '5' }, used: { pods: '0', 'requests.cpu': '0', 'requests.memory': '0', configmaps: '0' } };
      const { ctx, client } = fixture([quota(status)]);
      await new ResourceQuotaController().reconcile('shop/q1', ctx);
      expect(client.calls).toEqual([]);
    });
  });

  it('is asked about every quota of a namespace whose pods change', () => {
    const { cache } = fixture([quota(), pod('a', '1', '1Gi')]);
    const change = { kind: 'Pod', stream: 'Pod/shop/a', after: cache.get('Pod', 'shop', 'a') } as never;
    expect(new ResourceQuotaController().keysFor(change, cache)).toEqual(['shop/q1']);
  });
});
