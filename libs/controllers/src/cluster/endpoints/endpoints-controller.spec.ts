import type { KubeObject } from '@logbook/kube';
import { makeObject, makePod } from '../../../../kube/src/testing/builders';
import { CAUSE, fixture } from '../testing/fixture';
import { EndpointsController, LAST_CHANGE_TRIGGER_TIME } from './endpoints-controller';

const T0 = '2026-01-01T00:00:00Z';
const service = (ports: object[] = [{ name: 'http', port: 80, targetPort: 8080 }], selector: object = { app: 'web' }) =>
  makeObject('v1', 'Service', 'web', 'default').labels({ team: 'a' }).with('spec.selector', selector).with('spec.ports', ports);
const pod = (name: string, ip: string | undefined, ready: boolean, labels: Record<string, string> = { app: 'web' }) =>
  makePod(name)
    .labels(labels)
    .with('spec.nodeName', 'n1')
    .with('spec.containers', [{ name: 'c', image: 'nginx', ports: [{ name: 'web', containerPort: 9000 }] }])
    .with('status', { phase: 'Running', ...(ip ? { podIP: ip } : {}), conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] });
const addr = (name: string, ip: string) => ({ ip, nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'default', name, uid: `uid-pod-${name}` } });
const managed = (subsets?: object[]) =>
  makeObject('v1', 'Endpoints', 'web', 'default').labels({ team: 'a' }).with('metadata.annotations', { [LAST_CHANGE_TRIGGER_TIME]: T0 }).with('subsets', subsets);

interface Case {
  name: string;
  objects: KubeObject[];
  writes: string[];
  subsets?: object[] | 'none';
}

describe('EndpointsController.reconcile', () => {
  const cases: Case[] = [
    {
      name: 'ready pods in addresses, unready in notReadyAddresses, numeric targetPort',
      objects: [service().obj(), pod('b', '10.0.0.2', true).obj(), pod('a', '10.0.0.1', false).obj(), pod('c', '10.0.0.3', true).obj()],
      writes: ['create Endpoints/web'],
      subsets: [{ addresses: [addr('b', '10.0.0.2'), addr('c', '10.0.0.3')], notReadyAddresses: [addr('a', '10.0.0.1')], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }],
    },
    {
      name: 'a named targetPort resolves to the container port',
      objects: [service([{ port: 80, targetPort: 'web' }]).obj(), pod('a', '10.0.0.1', true).obj()],
      writes: ['create Endpoints/web'],
      subsets: [{ addresses: [addr('a', '10.0.0.1')], ports: [{ port: 9000, protocol: 'TCP' }] }],
    },
    {
      name: 'pods without the named port, without an IP, finished or not selected are left out',
      objects: [
        service([{ port: 80, targetPort: 'web' }]).obj(),
        pod('noport', '10.0.0.1', true).with('spec.containers', [{ name: 'c', image: 'x' }]).obj(),
        pod('noip', undefined, true).obj(),
        pod('done', '10.0.0.3', true).with('status.phase', 'Succeeded').obj(),
        pod('other', '10.0.0.4', true, { app: 'other' }).obj(),
        pod('going', '10.0.0.5', true).with('metadata.deletionTimestamp', T0).obj(),
      ],
      writes: ['create Endpoints/web'],
      subsets: 'none',
    },
    {
      name: "an address carries the pod's hostname when its subdomain names the Service",
      objects: [service().obj(), pod('a', '10.0.0.1', true).with('spec.hostname', 'a').with('spec.subdomain', 'web').obj(), pod('b', '10.0.0.2', true).with('spec.hostname', 'b').with('spec.subdomain', 'db').obj()],
      writes: ['create Endpoints/web'],
      subsets: [{ addresses: [{ ...addr('a', '10.0.0.1'), hostname: 'a' }, addr('b', '10.0.0.2')], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }],
    },
    {
      name: 'an up-to-date Endpoints is not written again',
      objects: [service().obj(), pod('a', '10.0.0.1', true).obj(), managed([{ addresses: [addr('a', '10.0.0.1')], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }]).obj()],
      writes: [],
    },
    {
      name: 'a changed pod set updates the Endpoints',
      objects: [service().obj(), pod('a', '10.0.0.1', true).obj(), pod('b', '10.0.0.2', true).obj(), managed([{ addresses: [addr('a', '10.0.0.1')], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }]).obj()],
      writes: ['update Endpoints/web'],
      subsets: [{ addresses: [addr('a', '10.0.0.1'), addr('b', '10.0.0.2')], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }],
    },
    { name: 'the Service is gone: its Endpoints go', objects: [managed().obj()], writes: ['delete Endpoints/web'] },
    { name: 'the selector was removed from a Service whose Endpoints we wrote', objects: [service().with('spec.selector', undefined).obj(), managed().obj()], writes: ['delete Endpoints/web'] },
    {
      name: "a Service without a selector keeps the user's own Endpoints",
      objects: [service().with('spec.selector', undefined).obj(), makeObject('v1', 'Endpoints', 'web', 'default').with('subsets', [{ addresses: [{ ip: '1.2.3.4' }] }]).obj()],
      writes: [],
    },
    {
      name: 'pods serving different port sets land in different subsets',
      objects: [
        service([{ name: 'a', port: 80, targetPort: 'web' }, { name: 'b', port: 81, targetPort: 81 }]).obj(),
        pod('x', '10.0.0.1', true).obj(),
        pod('y', '10.0.0.2', true).with('spec.containers', [{ name: 'c', image: 'x' }]).obj(),
      ],
      writes: ['create Endpoints/web'],
      subsets: [
        { addresses: [addr('x', '10.0.0.1')], ports: [{ name: 'a', port: 9000, protocol: 'TCP' }, { name: 'b', port: 81, protocol: 'TCP' }] },
        { addresses: [addr('y', '10.0.0.2')], ports: [{ name: 'b', port: 81, protocol: 'TCP' }] },
      ],
    },
  ];

  it.each(cases)('$name', async (c) => {
    const { ctx, client } = fixture(c.objects, T0);
    await new EndpointsController().reconcile('default/web', ctx);
    expect(client.summary).toEqual(c.writes);
    const written = client.calls[0];
    if (c.subsets && written && 'object' in written) {
      if (c.subsets === 'none') expect(written.object.subsets).toBeUndefined();
      else expect(written.object.subsets).toEqual(c.subsets);
    }
  });

  it('writes the Service labels and the trigger time, carrying the cause', async () => {
    const { ctx, client } = fixture([service().obj()], T0);
    await new EndpointsController().reconcile('default/web', ctx);
    const created = client.ofVerb('create')[0];
    expect(created.object.metadata).toMatchObject({ name: 'web', namespace: 'default', labels: { team: 'a' }, annotations: { [LAST_CHANGE_TRIGGER_TIME]: T0 } });
    expect(created.cause).toEqual(CAUSE);
  });

  describe('keysFor', () => {
    const c = new EndpointsController();
    c.keysFor({ kind: 'Service', after: service().obj() });
    c.keysFor({ kind: 'Service', after: makeObject('v1', 'Service', 'db', 'default').with('spec.selector', { app: 'db' }).obj() });
    const withUid = (b: ReturnType<typeof pod>) => b.with('metadata.uid', 'u1').obj();

    it.each([
      ['a pod becoming ready', withUid(pod('a', '10.0.0.1', false)), withUid(pod('a', '10.0.0.1', true)), ['default/web']],
      ['a pod relabelled from web to db', withUid(pod('a', '10.0.0.1', true)), withUid(pod('a', '10.0.0.1', true, { app: 'db' })), ['default/web', 'default/db']],
      ['a pod created without an IP', undefined, withUid(pod('a', undefined, false)), []],
      ['a pod deleted', withUid(pod('a', '10.0.0.1', true)), undefined, ['default/web']],
      ['a status change endpoints do not show', withUid(pod('a', '10.0.0.1', true)), withUid(pod('a', '10.0.0.1', true).with('status.startTime', T0)), []],
    ])('%s', (_name, before, after, keys) => {
      expect(c.keysFor({ kind: 'Pod', before, after }).sort()).toEqual([...keys].sort());
    });

    it('forgets a deleted Service', () => {
      const d = new EndpointsController();
      d.keysFor({ kind: 'Service', after: service().obj() });
      expect(d.keysFor({ kind: 'Service', before: service().obj() })).toEqual(['default/web']);
      expect(d.keysFor({ kind: 'Pod', after: withUid(pod('a', '10.0.0.1', true)) })).toEqual([]);
    });
  });
});
