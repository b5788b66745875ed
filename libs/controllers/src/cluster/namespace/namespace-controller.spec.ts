import type { KubeObject } from '@logbook/kube';
import { makeDeployment, makeObject, makePod } from '../../../../kube/src/testing/builders';
import { CAUSE, at, fixture } from '../testing/fixture';
import { NamespaceController } from './namespace-controller';

const T0 = '2026-01-01T00:00:00Z';
const ns = (deleting: boolean, finalizers: string[] = ['kubernetes']) => {
  const b = makeObject('v1', 'Namespace', 'team').with('spec.finalizers', finalizers);
  return (deleting ? b.with('metadata.deletionTimestamp', T0).with('status.phase', 'Terminating') : b).obj();
};
const inTeam = (o: KubeObject) => ({ ...o, metadata: { ...o.metadata, namespace: 'team' } });

interface Case {
  name: string;
  objects: KubeObject[];
  now?: string;
  writes: string[];
  result?: unknown;
}

describe('NamespaceController.reconcile', () => {
  const cases: Case[] = [
    { name: 'an active namespace is left alone', objects: [ns(false), inTeam(makePod('p').obj())], writes: [] },
    { name: 'a Terminating namespace waits out the start delay', objects: [ns(true), inTeam(makePod('p').obj())], now: at(T0, 0.4), writes: [], result: { requeueAfterMs: 600 } },
    {
      name: 'then everything in it is deleted, and it looks again',
      objects: [ns(true), inTeam(makePod('p').obj()), inTeam(makeDeployment('d').obj()), inTeam(makeObject('v1', 'ConfigMap', 'c').obj()), makePod('elsewhere').obj()],
      now: at(T0, 1),
      writes: ['delete Pod/p', 'delete ConfigMap/c', 'delete Deployment/d'],
      result: { requeueAfterMs: 1000 },
    },
    {
      name: 'objects held by their own finalizers are waited for',
      objects: [ns(true), inTeam(makePod('p').with('metadata.deletionTimestamp', T0).with('metadata.finalizers', ['x']).obj())],
      now: at(T0, 5),
      writes: [],
      result: { requeueAfterMs: 1000 },
    },
    { name: 'an empty Terminating namespace loses its kubernetes finalizer', objects: [ns(true, ['kubernetes', 'other'])], now: at(T0, 5), writes: ['update Namespace/team'] },
    { name: 'without the kubernetes finalizer it is not ours', objects: [ns(true, ['other']), inTeam(makePod('p').obj())], now: at(T0, 5), writes: [] },
  ];

  it.each(cases)('$name', async (c) => {
    const { ctx, client } = fixture(c.objects, c.now ?? T0);
    const result = await new NamespaceController().reconcile('team', ctx);
    expect(client.summary).toEqual(c.writes);
    expect(result).toEqual(c.result);
  });

  it('removes only its own finalizer, and deletes in the background with the uid precondition', async () => {
    const empty = fixture([ns(true, ['kubernetes', 'other'])], at(T0, 5));
    await new NamespaceController().reconcile('team', empty.ctx);
    expect(empty.client.ofVerb('update')[0].object.spec.finalizers).toEqual(['other']);
    const full = fixture([ns(true), inTeam(makePod('p').obj())], at(T0, 5));
    await new NamespaceController().reconcile('team', full.ctx);
    expect(full.client.ofVerb('delete')[0].options).toEqual({ ...CAUSE, propagationPolicy: 'Background', preconditions: { uid: 'uid-pod-p' } });
  });

  it('maps arrivals and departures in a namespace to it, not updates', () => {
    const c = new NamespaceController();
    const p = inTeam(makePod('p').obj());
    expect(c.keysFor({ kind: 'Pod', before: p })).toEqual(['team']);
    expect(c.keysFor({ kind: 'Pod', after: p })).toEqual(['team']);
    expect(c.keysFor({ kind: 'Pod', before: p, after: p })).toEqual([]);
    expect(c.keysFor({ kind: 'Namespace', after: ns(true) })).toEqual(['team']);
    expect(c.watches).toEqual(expect.arrayContaining(['Namespace', 'Pod', 'Event', 'Secret', 'Job']));
  });

  it('is not woken by objects coming and going in a namespace that is not being deleted', () => {
    const c = new NamespaceController();
    const event = inTeam(makeObject('v1', 'Event', 'p.17f3').obj());
    expect(c.keysFor({ kind: 'Event', after: event }, fixture([ns(false)]).cache)).toEqual([]);
    expect(c.keysFor({ kind: 'Event', before: event }, fixture([ns(false)]).cache)).toEqual([]);
    expect(c.keysFor({ kind: 'Event', after: event }, fixture([ns(true)]).cache)).toEqual(['team']);
  });
});
