import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { SqliteKeyStore, type StoredKey } from './key-store';

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
