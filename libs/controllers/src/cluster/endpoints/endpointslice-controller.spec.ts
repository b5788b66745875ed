import { makeObject, makePod } from '../../../../kube/src/testing/builders';
import { fixture } from '../testing/fixture';
import { MANAGED_BY, MANAGED_BY_LABEL, SERVICE_NAME_LABEL, endpointSlicesFor } from './endpoint-slices';
import { EndpointSliceController } from './endpointslice-controller';

const service = (ports: object[] = [{ port: 80, targetPort: 'web' }]) =>
  makeObject('v1', 'Service', 'web', 'default').labels({ team: 'a' }).with('metadata.uid', 'svc-uid').with('spec.selector', { app: 'web' }).with('spec.ports', ports).obj();
const pod = (name: string, ip: string, opts: { ready?: boolean; deleting?: boolean; port?: number; phase?: string } = {}) =>
  makePod(name)
    .labels({ app: 'web' })
    .with('metadata.uid', `uid-${name}`)
    .with('spec.nodeName', 'n1')
    .with('spec.containers', [{ name: 'c', image: 'nginx', ports: [{ name: 'web', containerPort: opts.port ?? 8080 }] }])
    .with('metadata.deletionTimestamp', opts.deleting ? '2026-01-01T00:00:00Z' : undefined)
    .with('status', { phase: opts.phase ?? 'Running', podIP: ip, conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] })
    .obj();

describe('endpointSlicesFor', () => {
  it('lists pods with kube conditions: ready, serving, terminating (a terminating pod stays, not ready)', () => {
    const [slice, ...others] = endpointSlicesFor(service(), [pod('b', '10.0.0.2', { ready: false }), pod('a', '10.0.0.1'), pod('c', '10.0.0.3', { deleting: true }), pod('d', '10.0.0.4', { phase: 'Succeeded' })]);
    expect(others).toEqual([]);
    expect(slice.name).toMatch(/^web-[0-9a-f]{5}$/);
    expect(slice.ports).toEqual([{ name: '', port: 8080, protocol: 'TCP' }]); // a name even when unnamed: kubectl dereferences it
    expect(slice.endpoints.map((e) => [e.addresses[0], e.conditions])).toEqual([
      ['10.0.0.1', { ready: true, serving: true, terminating: false }],
      ['10.0.0.2', { ready: false, serving: false, terminating: false }],
      ['10.0.0.3', { ready: false, serving: true, terminating: true }],
    ]);
  });

  it("carries the pod's hostname only when its subdomain names the Service (StatefulSet pods)", () => {
    const named = (name: string, ip: string, subdomain: string) => ({ ...pod(name, ip), spec: { ...pod(name, ip).spec, hostname: name, subdomain } });
    const [slice] = endpointSlicesFor(service(), [named('web-0', '10.0.0.1', 'web'), named('other-0', '10.0.0.2', 'other'), pod('plain', '10.0.0.3')]);
    expect(slice.endpoints.map((e) => [e.addresses[0], e.hostname])).toEqual([
      ['10.0.0.1', 'web-0'],
      ['10.0.0.2', undefined],
      ['10.0.0.3', undefined],
    ]);
    expect('hostname' in slice.endpoints[1]).toBe(false);
  });

  it('splits by resolved port set and at 100 endpoints, with stable names; one empty slice without pods', () => {
    const pods = Array.from({ length: 150 }, (_, i) => pod(`p${i}`, `10.0.${Math.floor(i / 200)}.${i}`, { port: i < 120 ? 8080 : 9090 }));
    const slices = endpointSlicesFor(service(), pods);
    expect(slices.map((s) => [s.ports[0].port, s.endpoints.length])).toEqual([[8080, 100], [8080, 20], [9090, 30]]);
    expect(new Set(slices.map((s) => s.name)).size).toBe(3);
    expect(endpointSlicesFor(service(), pods).map((s) => s.name)).toEqual(slices.map((s) => s.name));
    expect(endpointSlicesFor(service(), [])).toEqual([{ name: expect.stringMatching(/^web-/), ports: [], endpoints: [] }]);
  });
});

describe('EndpointSliceController.reconcile', () => {
  it('creates the slice owned by the Service with kube labels, and updates it only when it changes', async () => {
    const { ctx, client } = fixture([service(), pod('a', '10.0.0.1')]);
    await new EndpointSliceController().reconcile('default/web', ctx);
    const [created] = client.ofVerb('create').map((c) => c.object);
    expect(created.metadata.labels).toEqual({ team: 'a', [SERVICE_NAME_LABEL]: 'web', [MANAGED_BY_LABEL]: MANAGED_BY });
    expect(created.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'svc-uid', controller: true, blockOwnerDeletion: true }]);
    expect(created.addressType).toBe('IPv4');

    const again = fixture([service(), pod('a', '10.0.0.1'), created]);
    await new EndpointSliceController().reconcile('default/web', again.ctx);
    expect(again.client.calls).toEqual([]);
  });

  it('deletes its slices when the Service goes or loses its selector, and leaves slices it did not write', async () => {
    const ours = makeObject('discovery.k8s.io/v1', 'EndpointSlice', 'web-abcde', 'default').labels({ [SERVICE_NAME_LABEL]: 'web', [MANAGED_BY_LABEL]: MANAGED_BY }).obj();
    const theirs = makeObject('discovery.k8s.io/v1', 'EndpointSlice', 'web-manual', 'default').labels({ [SERVICE_NAME_LABEL]: 'web', [MANAGED_BY_LABEL]: 'someone-else' }).obj();
    const { ctx, client } = fixture([ours, theirs]);
    await new EndpointSliceController().reconcile('default/web', ctx);
    expect(client.summary).toEqual(['delete EndpointSlice/web-abcde']);
  });
});
