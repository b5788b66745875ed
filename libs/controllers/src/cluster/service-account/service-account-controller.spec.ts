import { ClientError } from '@logbook/components';
import type { KubeObject } from '@logbook/kube';
import { fixture } from '../testing/fixture';
import { ServiceAccountController } from './service-account-controller';

const ns = (name: string, terminating = false): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...(terminating ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) }, status: { phase: terminating ? 'Terminating' : 'Active' } });
const sa = (name: string, namespace: string): KubeObject => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });

describe('ServiceAccountController.reconcile', () => {
  it('creates the default service account of a namespace that lacks one', async () => {
    const { ctx, client } = fixture([ns('shop'), sa('robot', 'shop')]);
    await new ServiceAccountController().reconcile('shop', ctx);
    expect(client.summary).toEqual(['create ServiceAccount/default']);
    expect(client.ofVerb('create')[0].object.metadata).toMatchObject({ name: 'default', namespace: 'shop' });
  });
  it('leaves a namespace that has one, or is going, alone', async () => {
    for (const objects of [[ns('shop'), sa('default', 'shop')], [ns('shop', true)], []]) {
      const { ctx, client } = fixture(objects);
      await new ServiceAccountController().reconcile('shop', ctx);
      expect(client.calls).toEqual([]);
    }
  });
  it('is done when the create finds it already there', async () => {
    const { ctx, client } = fixture([ns('shop')]);
    client.failOn('create', 'default', new ClientError(409, 'AlreadyExists', 'serviceaccounts "default" already exists'));
    await expect(new ServiceAccountController().reconcile('shop', ctx)).resolves.toBeUndefined();
  });
  it('is woken by the default account`s deletion only', () => {
    const c = new ServiceAccountController();
    expect(c.keysFor({ kind: 'ServiceAccount', before: sa('default', 'shop') } as never)).toEqual(['shop']);
    expect(c.keysFor({ kind: 'ServiceAccount', before: sa('robot', 'shop') } as never)).toEqual([]);
    expect(c.keysFor({ kind: 'ServiceAccount', after: sa('default', 'shop') } as never)).toEqual([]);
  });
});
