import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '@logbook/kube';
import { CURRENT_SCHEMA_VERSION, type NewEvent } from '@logbook/events';
import { evolveObject } from '@logbook/projections';
import { EncryptionConfigError, parseEncryptionConfig, type EncryptionSettings } from './encryption-config';
import { MemoryKeyStore, SqliteKeyStore } from './key-store';
import { KeyUnavailable } from './key-wrapping';
import { LAST_APPLIED, SHREDDED, SecretVault } from './secret-vault';

const key = () => randomBytes(32).toString('base64');
const config = (providers: string) => `apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [secrets]\n    providers:\n${providers}`;
const aesgcm = (name: string, secret = key()) => `      - aesgcm:\n          keys:\n            - name: ${name}\n              secret: ${secret}\n`;
const settings = (text: string): EncryptionSettings => parseEncryptionConfig(text);

function secret(uid: string, data: Record<string, string>, annotations?: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default', uid, ...(annotations ? { annotations } : {}) }, data };
}
const b64 = (s: string) => Buffer.from(s).toString('base64');
const ev = (type: string, data: unknown): NewEvent => ({ id: randomUUID(), type, data, metadata: { time: 'now', actor: 'test', correlationId: 'c', schemaVersion: CURRENT_SCHEMA_VERSION } });
const fold = (obj: KubeObject | undefined, events: NewEvent[]) => events.reduce<KubeObject | undefined>((o, e, i) => evolveObject(o, { ...e, stream: 'Secret/default/s', revision: i, position: i + 1 }), obj);

describe('EncryptionConfiguration', () => {
  it('reads the providers for secrets in order', () => {
    const s = settings(config(aesgcm('k1') + '      - aescbc:\n          keys:\n            - name: old\n              secret: ' + key() + '\n      - identity: {}\n'));
    expect(s.providers.map((p) => p.type)).toEqual(['aesgcm', 'aescbc', 'identity']);
    expect(s.providers[0].keys[0].name).toBe('k1');
  });

  it('means no encryption when no entry covers secrets', () => {
    expect(settings(config(aesgcm('k1')).replace('[secrets]', '[configmaps]')).providers).toEqual([{ type: 'identity', keys: [] }]);
  });

  it.each([
    ['a wrong kind', config(aesgcm('k')).replace('kind: EncryptionConfiguration', 'kind: Nope'), /kind: Invalid value: "Nope"/],
    ['a wrong apiVersion', config(aesgcm('k')).replace('apiserver.config.k8s.io/v1', 'v1'), /apiVersion: Invalid value/],
    ['a key of the wrong length', config(aesgcm('k', randomBytes(10).toString('base64'))), /keys\[0\]\.secret: Invalid value: "REDACTED": secret is not of the expected length, got 10, expected one of \[16 24 32\]/],
    ['a key that is not base64', config(aesgcm('k', 'not*base64')), /secrets must be base64 encoded/],
    ['duplicate key names', config('      - aesgcm:\n          keys:\n            - {name: a, secret: ' + key() + '}\n            - {name: a, secret: ' + key() + '}\n'), /keys\[1\]\.name: Duplicate value: "a"/],
    ['no keys', config('      - aesgcm:\n          keys: []\n'), /aesgcm\.keys: Required value/],
    ['kms', config('      - kms:\n          name: x\n'), /kms: Unsupported value/],
    ['two providers in one item', config('      - identity: {}\n        aesgcm: {}\n'), /exactly one provider/],
    ['not YAML', ':\n  - : [', /not YAML/],
  ])('refuses %s', (_what, text, message) => {
    expect(() => settings(text)).toThrow(EncryptionConfigError);
    expect(() => settings(text)).toThrow(message);
  });
});

describe('SecretVault', () => {
  const vaultWith = (text: string, keys = new MemoryKeyStore()) => ({ vault: new SecretVault(settings(text), keys), keys });

  it.each(['aesgcm', 'aescbc', 'secretbox'])('seals values that only its data key (wrapped by %s) opens', (type) => {
    const { vault, keys } = vaultWith(config(`      - ${type}:\n          keys:\n            - name: k1\n              secret: ${key()}\n`));
    const uid = randomUUID();
    const plain = secret(uid, { password: b64('hunter2') }, { [LAST_APPLIED]: '{"stringData":{"password":"hunter2"}}' });
    const [created] = vault.sealEvents([ev('SecretCreated', { object: plain })], undefined, undefined, 'Secret/default/s');
    const text = JSON.stringify(created);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain(b64('hunter2'));
    expect(keys.get(uid)?.provider).toBe(type);
    const stored = fold(undefined, [created])!;
    expect(vault.open(stored).data).toEqual({ password: b64('hunter2') });
    expect(vault.open(stored).metadata.annotations?.[LAST_APPLIED]).toContain('hunter2');
  });

  it('binds a sealed value to its Secret: copied into another Secret it does not open', () => {
    const { vault } = vaultWith(config(aesgcm('k1')));
    const a = fold(undefined, vault.sealEvents([ev('SecretCreated', { object: secret('a', { p: b64('x') }) })], undefined, undefined, 's'))!;
    const b = fold(undefined, vault.sealEvents([ev('SecretCreated', { object: secret('b', { p: b64('y') }) })], undefined, undefined, 's'))!;
    expect(vault.open({ ...b, data: a.data }, 'view').data).toEqual({ p: SHREDDED });
  });

  it('keeps the ciphertext of unchanged values, so an update patch names only what changed', () => {
    const { vault } = vaultWith(config(aesgcm('k1')));
    const uid = randomUUID();
    const sealed = fold(undefined, vault.sealEvents([ev('SecretCreated', { object: secret(uid, { a: b64('1'), b: b64('2') }) })], undefined, undefined, 's'))!;
    const opened = vault.open(sealed);
    const patch = [{ op: 'replace', path: '/data/b', value: b64('3') }];
    const [update] = vault.sealEvents([ev('SecretUpdated', { patch })], sealed, opened, 's');
    const ops = (update.data as any).patch;
    expect(ops.map((o: any) => o.path)).toEqual(['/data/b']);
    expect(JSON.stringify(ops)).not.toContain(b64('3'));
    expect(vault.open(fold(sealed, [update])!).data).toEqual({ a: b64('1'), b: b64('3') });
  });

  it('folds stringData into data, stringData winning', () => {
    const { vault } = vaultWith(config(aesgcm('k1')));
    const obj = { ...secret('u', { a: b64('old'), b: b64('kept') }), stringData: { a: 'new' } };
    expect(vault.normalize(obj)).toEqual(secret('u', { a: b64('new'), b: b64('kept') }));
  });

  it('shreds: once the data key is destroyed every value reads [shredded], and a new write gets a new key', () => {
    const { vault, keys } = vaultWith(config(aesgcm('k1')));
    const uid = randomUUID();
    const sealed = fold(undefined, vault.sealEvents([ev('SecretCreated', { object: secret(uid, { p: b64('x') }, { [LAST_APPLIED]: '{}' }) })], undefined, undefined, 's'))!;
    expect(vault.destroy(uid)).toBe(true);
    expect(keys.get(uid)).toBeUndefined();
    expect(vault.open(sealed, 'view').data).toEqual({ p: SHREDDED });
    expect(vault.open(sealed, 'view').metadata.annotations?.[LAST_APPLIED]).toBe(SHREDDED);
    // kube-shaped reads stay decodable: base64 of [shredded], and no last-applied to 3-way merge with.
    expect(vault.open(sealed).data).toEqual({ p: b64(SHREDDED) });
    expect(vault.open(sealed).metadata.annotations?.[LAST_APPLIED]).toBeUndefined();
    const opened = vault.open(sealed);
    const [update] = vault.sealEvents([ev('SecretUpdated', { patch: [{ op: 'add', path: '/data/q', value: b64('new') }] })], sealed, opened, 's');
    const after = fold(sealed, [update])!;
    expect(vault.open(after, 'view').data).toEqual({ p: SHREDDED, q: b64('new') });
  });

  it('leaves values in clear under identity, and reads values written in clear', () => {
    const { vault, keys } = vaultWith(config('      - identity: {}\n' + aesgcm('k1')));
    const [created] = vault.sealEvents([ev('SecretCreated', { object: secret('u', { p: b64('x') }) })], undefined, undefined, 's');
    expect((created.data as any).object.data).toEqual({ p: b64('x') });
    expect(keys.uids()).toEqual([]);
    expect(vault.open(fold(undefined, [created])!).data).toEqual({ p: b64('x') });
  });

  describe('rotation', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'vault-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('re-wraps every data key under the new first key; the old key can then go', () => {
      const file = join(dir, 'enc.yaml');
      const k1 = key();
      writeFileSync(file, config(aesgcm('k1', k1)));
      const keys = SqliteKeyStore.inDataDir(dir);
      const vault = new SecretVault({ ...parseEncryptionConfig(readFileSync(file, 'utf8')), file }, keys);
      const sealed = fold(undefined, vault.sealEvents([ev('SecretCreated', { object: secret('u1', { p: b64('x') }) })], undefined, undefined, 's'))!;
      writeFileSync(file, config(aesgcm('k2') + aesgcm('k1', k1)));
      expect(vault.rotate()).toEqual({ rewrapped: 1, current: 'aesgcm/k2' });
      expect(keys.get('u1')?.keyName).toBe('k2');
      // A fresh vault (a restart) with only the new key still opens it.
      const k2only = readFileSync(file, 'utf8').split('      - aesgcm:').slice(0, 2).join('      - aesgcm:');
      const restarted = new SecretVault(parseEncryptionConfig(k2only), keys);
      expect(restarted.open(sealed).data).toEqual({ p: b64('x') });
      // Without the key that wrapped it, a data key cannot be opened: the value reads as shredded, the error says why.
      const stranger = new SecretVault(parseEncryptionConfig(config(aesgcm('k3'))), keys);
      expect(stranger.open(sealed, 'view').data).toEqual({ p: SHREDDED });
      keys.close();
    });

    it('refuses to rotate to identity', () => {
      const file = join(dir, 'enc.yaml');
      writeFileSync(file, config('      - identity: {}\n'));
      const vault = new SecretVault({ providers: [], file }, new MemoryKeyStore());
      expect(() => vault.rotate()).toThrow(KeyUnavailable);
    });
  });

  it('sweeps keys of Secrets that are gone', () => {
    const { vault, keys } = vaultWith(config(aesgcm('k1')));
    for (const uid of ['live', 'gone']) vault.sealEvents([ev('SecretCreated', { object: secret(uid, { p: b64('x') }) })], undefined, undefined, 's');
    expect(vault.sweep(new Set(['live']))).toBe(1);
    expect(keys.uids()).toEqual(['live']);
  });
});
