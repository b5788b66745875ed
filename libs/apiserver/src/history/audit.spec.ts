import { InMemoryEventStore } from '@logbook/eventstore';
import { CURRENT_SCHEMA_VERSION, type NewEvent } from '@logbook/events';
import { auditPage, parseAuditFilter } from './audit';
import { typesOfVerb, verbOf } from './verbs';

let n = 0;
function ev(type: string, actor: string, data: unknown = {}, causationId?: string): NewEvent {
  n += 1;
  return { id: `e${n}`, type, data, metadata: { time: new Date(Date.UTC(2025, 0, 1, 0, 0, n)).toISOString(), actor, schemaVersion: CURRENT_SCHEMA_VERSION, ...(causationId ? { causationId } : {}) } };
}

async function scenario(): Promise<InMemoryEventStore> {
  const store = new InMemoryEventStore();
  await store.append('Namespace/team', [ev('NamespaceCreated', 'alice')], 'no_stream'); // 1
  await store.append('Deployment/team/web', [ev('DeploymentCreated', 'alice')], 'no_stream'); // 2
  await store.append('Pod/team/web-1', [ev('PodCreated', 'system:controller-manager')], 'no_stream'); // 3
  await store.append('Pod/team/web-1', [ev('PodBound', 'system:scheduler', { nodeName: 'node-2' })], 0); // 4
  await store.append('Deployment/team/web', [ev('DeploymentScaled', 'bob', { replicas: 3, previousReplicas: 1 })], 0); // 5
  await store.append('Deployment/team/web', [ev('DeploymentUpdated', 'bob', { patch: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'x' }] })], 1); // 6
  await store.append('Deployment/other/web', [ev('DeploymentCreated', 'bob')], 'no_stream'); // 7
  await store.append('Deployment/team/web', [ev('ObjectDeleted', 'bob')], 2); // 8
  return store;
}

const all = { after: 0, before: Number.MAX_SAFE_INTEGER };
const q = (s: string) => parseAuditFilter(new URLSearchParams(s));

describe('verbs', () => {
  it.each([
    ['PodCreated', 'create'],
    ['DeploymentUpdated', 'update'],
    ['PodStatusChanged', 'status'],
    ['PodBound', 'bind'],
    ['ReplicaSetScaled', 'scale'],
    ['DeletionRequested', 'delete'],
    ['ObjectDeleted', 'delete'],
  ])('%s is a %s', (type, verb) => expect(verbOf(type)).toBe(verb));

  it('maps patch to the update types, and scale only to kinds that scale', () => {
    expect(typesOfVerb('patch', 'Pod')).toEqual(['PodUpdated']);
    expect(typesOfVerb('scale', 'Pod')).toEqual([]);
    expect(typesOfVerb('scale')).toEqual(['DeploymentScaled', 'ReplicaSetScaled', 'StatefulSetScaled']);
  });
});

describe('auditPage', () => {
  it('lists one user\'s writes newest first with verbs and details', async () => {
    const page = await auditPage(await scenario(), q('user=bob'), all, 100);
    expect(page.items.map((e) => [e.position, e.verb, e.kind, e.namespace, e.name])).toEqual([
      [8, 'delete', 'Deployment', 'team', 'web'],
      [7, 'create', 'Deployment', 'other', 'web'],
      [6, 'update', 'Deployment', 'team', 'web'],
      [5, 'scale', 'Deployment', 'team', 'web'],
    ]);
    expect(page.items[2].detail).toBe('spec.template.spec.containers[0].image');
    expect(page.items[3].detail).toBe('replicas 1 → 3');
    expect(page.next).toBeUndefined();
  });

  it('answers "who deleted deployment web in team" with kind, namespace and verb', async () => {
    const page = await auditPage(await scenario(), q('kind=deploy&namespace=team&verb=delete'), all, 100);
    expect(page.items).toEqual([expect.objectContaining({ actor: 'bob', type: 'ObjectDeleted', name: 'web', position: 8 })]);
  });

  it('filters a namespace without a kind, and binds with their node', async () => {
    const store = await scenario();
    expect((await auditPage(store, q('namespace=other'), all, 100)).items.map((e) => e.position)).toEqual([7]);
    expect((await auditPage(store, q('verb=bind'), all, 100)).items).toEqual([expect.objectContaining({ position: 4, detail: 'node node-2' })]);
  });

  it('pages with a cursor that never repeats or skips', async () => {
    const store = await scenario();
    const seen: number[] = [];
    let before = Number.MAX_SAFE_INTEGER;
    for (let i = 0; i < 10; i++) {
      const page = await auditPage(store, {}, { after: 0, before }, 3);
      seen.push(...page.items.map((e) => e.position));
      if (!page.next) break;
      before = page.next;
    }
    expect(seen).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
  });

  it('rejects unknown kinds and verbs', () => {
    expect(() => q('kind=gizmo')).toThrow(expect.objectContaining({ code: 400, message: expect.stringContaining('unknown kind "gizmo"') }));
    expect(() => q('verb=frobnicate')).toThrow(expect.objectContaining({ code: 400, message: expect.stringContaining('create, update, patch') }));
  });
});
