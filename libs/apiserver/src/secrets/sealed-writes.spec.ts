import { randomBytes } from 'node:crypto';
import { resourceByKind, streamName, type KubeObject } from '@logbook/kube';
import { InMemoryEventStore } from '@logbook/eventstore';
import { Projector } from '@logbook/projections';
import { ClusterWriter, type Caller } from '../write/cluster-writer';
import { EMPTY_ADMISSION } from '../admission/chain';
import type { ApiDeps } from '../ops/context';
import { streamHistory } from '../history/history';
import { parseEncryptionConfig } from './encryption-config';
import { MemoryKeyStore } from './key-store';
import { REDACTED, SHREDDED, SecretVault } from './secret-vault';
import { secretForView } from './secret-ops';
import { SECRET_SHREDDED } from './shred-event';

const secrets = resourceByKind('Secret')!;
const alice = { name: 'alice', uid: 'alice', groups: [] };
const caller: Caller = { actor: 'alice', user: alice, correlationId: 'req-1' };
const CONFIG = `apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [secrets]\n    providers:\n      - aesgcm:\n          keys:\n            - name: k1\n              secret: ${randomBytes(32).toString('base64')}\n`;
const STREAM = streamName('Secret', 'default', 'db');
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** The writer with a vault over a real projection: what reaches the log, and what readers see. */
describe('sealed Secret writes', () => {
  let store: InMemoryEventStore;
  let projector: Projector;
  let keys: MemoryKeyStore;
  let writer: ClusterWriter;

  beforeEach(async () => {
    store = new InMemoryEventStore();
    projector = new Projector(store, undefined);
    await projector.start();
    keys = new MemoryKeyStore();
    writer = new ClusterWriter(store, projector, undefined, undefined, EMPTY_ADMISSION, new SecretVault(parseEncryptionConfig(CONFIG), keys));
  });
  afterEach(() => projector.stop());

  const secret = (extra: Partial<KubeObject>, resourceVersion?: string): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'default', ...(resourceVersion ? { resourceVersion } : {}) }, type: 'Opaque', ...extra });
  const logText = async () => JSON.stringify(await store.readAll({}));

  it('appends sealed values, answers in clear, and takes an unchanged update as a no-op', async () => {
    const created = await writer.write(secrets, 'default', 'db', { type: 'Create', resource: secrets, object: secret({ stringData: { password: 'hunter2' } }) }, caller);
    expect(created.object?.data).toEqual({ password: b64('hunter2') });
    expect(created.object?.stringData).toBeUndefined();
    expect(await logText()).not.toMatch(/hunter2|aHVudGVyMg/);
    expect(JSON.stringify(projector.state.getByStream(STREAM))).not.toContain(b64('hunter2'));

    const same = await writer.write(secrets, 'default', 'db', { type: 'Update', resource: secrets, object: { ...created.object!, data: { password: b64('hunter2') } } }, caller);
    expect(same.changed).toBe(false);

    const changed = await writer.write(secrets, 'default', 'db', { type: 'Update', resource: secrets, object: { ...created.object!, data: { password: b64('hunter3') } } }, caller);
    expect(changed.changed).toBe(true);
    expect(changed.object?.data).toEqual({ password: b64('hunter3') });
    expect(await logText()).not.toContain(b64('hunter3'));
  });

  it('shred appends SecretShredded, destroys the key and leaves the projected state as it was', async () => {
    const created = await writer.write(secrets, 'default', 'db', { type: 'Create', resource: secrets, object: secret({ data: { p: b64('x') } }) }, caller);
    const uid = created.object!.metadata.uid!;
    const before = projector.state.getByStream(STREAM);
    const shred = await writer.shredSecret(secrets, 'default', 'db', caller);
    expect(shred).toMatchObject({ uid, keyDestroyed: true });
    expect(keys.get(uid)).toBeUndefined();
    expect(projector.state.getByStream(STREAM)).toBe(before);
    const events = await store.readStream(STREAM);
    expect(events.map((e) => e.type)).toEqual(['SecretCreated', SECRET_SHREDDED]);
    expect(events[1].metadata.actor).toBe('alice');
    await expect(writer.shredSecret(secrets, 'default', 'db', caller)).rejects.toThrow(/no data key to destroy/);
  });

  it('history opens values for whoever may get the Secret, redacts them for others, and shows [shredded] once the key is gone', async () => {
    await writer.write(secrets, 'default', 'db', { type: 'Create', resource: secrets, object: secret({ data: { p: b64('x') } }) }, caller);
    const deps = (allowed: boolean) => ({ writer, authorizer: { authorize: () => ({ allowed, decided: true, reason: '' }) } }) as unknown as ApiDeps;
    const shown = async (allowed: boolean) => (await streamHistory(store, STREAM, {}, (o) => secretForView(deps(allowed), alice, o)))[0].changes.find((c) => c.path === 'data')?.to;
    expect(await shown(true)).toEqual({ p: b64('x') });
    expect(await shown(false)).toEqual({ p: REDACTED });
    const uid = projector.state.getByStream(STREAM)!.metadata.uid!;
    expect(keys.get(uid)).toBeDefined();
    await writer.write(secrets, 'default', 'db', { type: 'Delete', resource: secrets }, caller);
    expect(keys.get(uid)).toBeUndefined();
    expect(await shown(true)).toEqual({ p: SHREDDED });
  });
});
