import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { SqliteKeyStore, type StoredKey } from './key-store';
import { parseEncryptionConfig } from './encryption-config';
import { SecretVault } from './secret-vault';

const key = (): StoredKey => ({ uid: randomUUID(), provider: 'aesgcm', keyName: 'key1', wrapped: randomBytes(60) });

describe('SqliteKeyStore: keys added in one turn share one commit', () => {
  let dir: string;
  const open: SqliteKeyStore[] = [];
  const store = () => {
    const s = SqliteKeyStore.inDataDir(dir);
    open.push(s);
    return s;
  };
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'logbook-keys-'))));
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sees an added key at once, and on disk only once durable() resolved', async () => {
    const writer = store();
    const [a, b] = [key(), key()];
    writer.add(a);
    writer.add(b);
    expect(writer.get(a.uid)).toEqual(a);
    const reader = store();
    expect(reader.get(a.uid)).toBeUndefined();
    const both = [writer.durable(), writer.durable()];
    expect(both[0]).toBe(both[1]);
    await Promise.all(both);
    expect(reader.get(a.uid)?.uid).toBe(a.uid);
    expect(reader.get(b.uid)?.uid).toBe(b.uid);
  });

  it('keeps the first key of a uid, and forgets a destroyed one whether committed or not', async () => {
    const s = store();
    const first = key();
    s.add(first);
    expect(s.add({ ...key(), uid: first.uid }).wrapped).toEqual(first.wrapped);
    const pending = key();
    s.add(pending);
    expect(s.destroy(pending.uid)).toBe(true);
    await s.durable();
    expect(s.destroy(first.uid)).toBe(true);
    expect(store().uids()).toEqual([]);
  });
});

describe('SecretVault: a pool of stored keys for Secrets to come', () => {
  const CONFIG = `apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [secrets]\n    providers:\n      - aesgcm:\n          keys:\n            - name: k1\n              secret: ${randomBytes(32).toString('base64')}\n`;
  let dir: string;
  let keys: SqliteKeyStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'logbook-pool-'));
    keys = SqliteKeyStore.inDataDir(dir);
  });
  afterEach(() => {
    keys.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hands out uids whose keys are already on disk, each once; the sweep keeps the pool, rotation drops it', async () => {
    const vault = new SecretVault(parseEncryptionConfig(CONFIG), keys);
    vault.reserveUid(); // the pool is empty: a fresh uid, and a refill starts
    await new Promise((r) => setImmediate(r));
    const reader = SqliteKeyStore.inDataDir(dir);
    try {
      const taken = Array.from({ length: 100 }, () => vault.reserveUid());
      expect(new Set(taken).size).toBe(100);
      for (const uid of taken) expect(reader.get(uid)?.uid).toBe(uid);
    } finally {
      reader.close();
    }
    await new Promise((r) => setImmediate(r));
    const stored = keys.uids().length;
    expect(vault.sweep(new Set())).toBe(100);
    expect(keys.uids()).toHaveLength(stored - 100);
    expect(vault.rotate()).toEqual({ rewrapped: 0, current: 'aesgcm/k1' });
    expect(keys.uids()).toEqual([]);
  });
});
