import type { KubeObject } from '@logbook/kube';
import { fixture } from '../testing/fixture';
import { ROOT_CA_CONFIGMAP, RootCaPublisher } from './root-ca-publisher';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const ns = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name }, status: { phase: 'Active' } });
const cm = (data: Record<string, string>, annotations?: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CA_CONFIGMAP, namespace: 'shop', ...(annotations ? { annotations } : {}) }, data });

describe('RootCaPublisher.reconcile', () => {
  it('publishes the CA in a namespace without it', async () => {
    const { ctx, client } = fixture([ns('shop')]);
    await new RootCaPublisher(PEM).reconcile('shop', ctx);
    expect(client.summary).toEqual(['create ConfigMap/kube-root-ca.crt']);
    expect(client.ofVerb('create')[0].object.data).toEqual({ 'ca.crt': PEM });
  });
  it('puts back a CA someone changed, and leaves a current one alone', async () => {
    const changed = fixture([ns('shop'), cm({ 'ca.crt': 'junk' })]);
    await new RootCaPublisher(PEM).reconcile('shop', changed.ctx);
    expect(changed.client.summary).toEqual(['update ConfigMap/kube-root-ca.crt']);
    expect(changed.client.ofVerb('update')[0].object.data).toEqual({ 'ca.crt': PEM });
    const written = changed.client.ofVerb('update')[0].object;
    const current = fixture([ns('shop'), cm(written.data, written.metadata.annotations)]);
    await new RootCaPublisher(PEM).reconcile('shop', current.ctx);
    expect(current.client.calls).toEqual([]);
  });
});
