import type { KubeObject } from '@logbook/kube';
import { fixture } from '../testing/fixture';
import { ClusterRoleAggregationController } from './clusterrole-aggregation-controller';

const role = (name: string, labels: Record<string, string>, rules: unknown[], aggregateFrom?: string): KubeObject =>
  ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name, labels, resourceVersion: '1' },
    ...(aggregateFrom ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [aggregateFrom]: 'true' } }] } } : {}),
    rules,
  }) as KubeObject;

const READ_PODS = { verbs: ['get'], apiGroups: [''], resources: ['pods'] };
const WRITE_PODS = { verbs: ['create'], apiGroups: [''], resources: ['pods'] };

describe('ClusterRoleAggregationController', () => {
  const c = new ClusterRoleAggregationController();

  describe('when a labelled role feeds an aggregated one', () => {
    const objects = [
      role('view', {}, [], 'to-view'),
      role('b-extra', { 'to-view': 'true' }, [WRITE_PODS, READ_PODS]),
      role('a-base', { 'to-view': 'true' }, [READ_PODS]),
      role('unrelated', {}, [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }]),
    ];

    it('writes the union of the selected roles\' rules, in name order, each once', async () => {
      const { ctx, client } = fixture(objects);
      await c.reconcile('view', ctx);
      expect(client.calls).toMatchObject([{ verb: 'update', kind: 'ClusterRole', name: 'view', object: { rules: [READ_PODS, WRITE_PODS] } }]);
    });

    it('requeues every aggregated role on any ClusterRole change', () => {
      const { cache } = fixture(objects);
      expect(c.keysFor({ kind: 'ClusterRole', after: objects[3] }, cache)).toEqual(['view']);
    });
  });

  describe('when the rules are already the union', () => {
    it('writes nothing', async () => {
      const { ctx, client } = fixture([role('view', {}, [READ_PODS], 'to-view'), role('a-base', { 'to-view': 'true' }, [READ_PODS])]);
      await c.reconcile('view', ctx);
      expect(client.calls).toEqual([]);
    });
  });

  it('leaves roles without an aggregation rule alone', async () => {
    const { ctx, client } = fixture([role('plain', {}, [READ_PODS])]);
    await c.reconcile('plain', ctx);
    expect(client.calls).toEqual([]);
  });
});
