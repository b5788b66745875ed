import { ApiError, type KubeObject, resourceByKind } from '@logbook/kube';
import { InMemoryEventStore } from '@logbook/eventstore';
import { Projector } from '@logbook/projections';
import { ClusterWriter, type Caller } from './cluster-writer';
import { AdmissionChain } from '../admission/chain';
import { MUTATING_ADMISSION } from '../admission/plugins';
import type { AdmissionRequest, ValidatingAdmission } from '../admission/admission';

// Generated names come from crypto.randomInt: the first five draws repeat a name already taken.
let draws = 0;
jest.mock('node:crypto', () => ({ ...jest.requireActual('node:crypto'), randomInt: () => (draws++ < 5 ? 0 : 1) }));

const namespaces = resourceByKind('Namespace')!;
const configmaps = resourceByKind('ConfigMap')!;
const caller: Caller = { actor: 'alice', user: { name: 'alice', uid: 'alice', groups: ['system:authenticated'] }, correlationId: 'req-1' };
const cm = (metadata: KubeObject['metadata']): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'web', ...metadata }, data: { k: 'v' } });

async function writerWith(validating: ValidatingAdmission[] = []) {
  const store = new InMemoryEventStore();
  const projector = new Projector(store, undefined);
  await projector.start();
  const writer = new ClusterWriter(store, projector, undefined, undefined, new AdmissionChain(MUTATING_ADMISSION, validating));
  await writer.write(namespaces, undefined, 'web', { type: 'Create', resource: namespaces, object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web' } } }, caller);
  return { store, projector, writer };
}

describe('ClusterWriter admission', () => {
  it('generates another name when the generated one is taken, as kube retries', async () => {
    const { projector, writer } = await writerWith();
    draws = 5;
    await writer.write(configmaps, 'web', 'gen-bbbbb', { type: 'Create', resource: configmaps, object: cm({ name: 'gen-bbbbb' }) }, caller);
    draws = 0;
    const result = await writer.write(configmaps, 'web', '', { type: 'Create', resource: configmaps, object: cm({ generateName: 'gen-' }) }, caller);
    expect(result.object?.metadata.name).toBe('gen-ccccc');
    expect(projector.state.list('ConfigMap', { namespace: 'web' }).map((c) => c.metadata.name).sort()).toEqual(['gen-bbbbb', 'gen-ccccc']);
    await projector.stop();
  });

  it('gives validating steps the object as it would be stored and the caller, and returns their warnings', async () => {
    const seen: AdmissionRequest[] = [];
    const { projector, writer } = await writerWith([{ name: 'Watcher', validate: (request) => (seen.push(request), { warnings: ['careful'] }) }]);
    const result = await writer.write(configmaps, 'web', 'a', { type: 'Create', resource: configmaps, object: cm({ name: 'a' }) }, caller);
    expect(result.warnings).toEqual(['careful']);
    expect(seen.at(-1)).toMatchObject({ operation: 'CREATE', name: 'a', namespace: 'web', user: caller.user, dryRun: false, object: { metadata: { name: 'a', uid: expect.any(String) } } });
    await projector.stop();
  });

  it('appends nothing when a validating step refuses, nor on a dry run that passes', async () => {
    const refuse: ValidatingAdmission = { name: 'Refuse', validate: ({ object }) => { if (object?.metadata.name === 'no') throw ApiError.forbidden('no'); } };
    const { store, projector, writer } = await writerWith([refuse]);
    const before = (await store.readAll()).length;
    await expect(writer.write(configmaps, 'web', 'no', { type: 'Create', resource: configmaps, object: cm({ name: 'no' }) }, caller)).rejects.toMatchObject({ code: 403 });
    const dry = await writer.write(configmaps, 'web', 'yes', { type: 'Create', resource: configmaps, object: cm({ name: 'yes' }) }, caller, { dryRun: true });
    expect(dry.object?.metadata.name).toBe('yes');
    expect((await store.readAll()).length).toBe(before);
    await projector.stop();
  });
});
