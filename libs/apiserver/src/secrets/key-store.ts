import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import type { WrappedKey } from './key-wrapping';

/** One Secret's data key, wrapped, by the uid of the Secret it encrypts (a re-created Secret gets a new one). */
export interface StoredKey extends WrappedKey {
  readonly uid: string;
}

/**
 * The key store: the one mutable part beside the append-only log. Destroying a key is what
 * shreds a Secret, so an adapter must forget a deleted key's bytes, not only its row.
 * Synchronous: the writer reads it between deciding and appending, where nothing may await.
 */
export interface KeyStore {
  get(uid: string): StoredKey | undefined;
  /** Adds a key; a key already stored for the uid is kept (returns the stored one). */
  add(key: StoredKey): StoredKey;
  /** Replaces the wrapping of an existing key (rotation); false when the key is gone. */
  rewrap(key: StoredKey): boolean;
  /** Destroys the key; false when there was none. */
  destroy(uid: string): boolean;
  uids(): string[];
  close(): void;
}

/**
 * `<dataDir>/keys.db`: SQLite with secure_delete (a destroyed key's page is zeroed, not left
 * free) and a rollback journal rather than a WAL, so no copy of a destroyed key stays in a
 * journal file once its transaction ends.
 */
export class SqliteKeyStore implements KeyStore {
  private readonly db: DatabaseSync;

  constructor(file: string) {
    this.db = new DatabaseSync(file);
    this.db.exec('PRAGMA secure_delete = ON');
    this.db.exec('PRAGMA journal_mode = DELETE');
    this.db.exec('PRAGMA synchronous = FULL');
    this.db.exec('CREATE TABLE IF NOT EXISTS data_keys (uid TEXT PRIMARY KEY, provider TEXT NOT NULL, key_name TEXT NOT NULL, wrapped BLOB NOT NULL) WITHOUT ROWID');
  }

  static inDataDir(dataDir: string): SqliteKeyStore {
    return new SqliteKeyStore(join(dataDir, 'keys.db'));
  }

  get(uid: string): StoredKey | undefined {
    const row = this.db.prepare('SELECT uid, provider, key_name, wrapped FROM data_keys WHERE uid = ?').get(uid) as any;
    return row ? { uid: row.uid, provider: row.provider, keyName: row.key_name, wrapped: Buffer.from(row.wrapped) } : undefined;
  }

  add(key: StoredKey): StoredKey {
    this.db.prepare('INSERT OR IGNORE INTO data_keys (uid, provider, key_name, wrapped) VALUES (?, ?, ?, ?)').run(key.uid, key.provider, key.keyName, key.wrapped);
    return this.get(key.uid)!;
  }

  rewrap(key: StoredKey): boolean {
    const r = this.db.prepare('UPDATE data_keys SET provider = ?, key_name = ?, wrapped = ? WHERE uid = ?').run(key.provider, key.keyName, key.wrapped, key.uid);
    return Number(r.changes) > 0;
  }

  destroy(uid: string): boolean {
    const r = this.db.prepare('DELETE FROM data_keys WHERE uid = ?').run(uid);
    return Number(r.changes) > 0;
  }

  uids(): string[] {
    return (this.db.prepare('SELECT uid FROM data_keys ORDER BY uid').all() as { uid: string }[]).map((r) => r.uid);
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}

/** For unit tests and the identity-only configuration. */
export class MemoryKeyStore implements KeyStore {
  private readonly keys = new Map<string, StoredKey>();
  get(uid: string) {
    return this.keys.get(uid);
  }
  add(key: StoredKey) {
    if (!this.keys.has(key.uid)) this.keys.set(key.uid, key);
    return this.keys.get(key.uid)!;
  }
  rewrap(key: StoredKey) {
    if (!this.keys.has(key.uid)) return false;
    this.keys.set(key.uid, key);
    return true;
  }
  destroy(uid: string) {
    return this.keys.delete(uid);
  }
  uids() {
    return [...this.keys.keys()].sort();
  }
  close() {}
}
