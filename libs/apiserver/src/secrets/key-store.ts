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
 * Synchronous reads and adds: the writer seals between deciding and appending. An added key is
 * visible at once and made durable by `durable()`, which the writer awaits before the append
 * that needs it, so concurrent Secret writes share one commit (a crash in between leaves a key
 * without its Secret, which the start-up sweep removes; never a Secret without its key).
 */
export interface KeyStore {
  get(uid: string): StoredKey | undefined;
  /** Adds a key; a key already stored for the uid is kept (returns the stored one). */
  add(key: StoredKey): StoredKey;
  /** Resolves once every key added so far is on disk. */
  durable(): Promise<void>;
  /** Stores keys at once, in one transaction (the vault's pool of keys made ahead of need). */
  addNow(keys: readonly StoredKey[]): void;
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
  /** Added, not yet committed: one transaction takes all of them (the group commit). */
  private readonly pending = new Map<string, StoredKey>();
  private commit?: Promise<void>;

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
    const pending = this.pending.get(uid);
    if (pending) return pending;
    const row = this.db.prepare('SELECT uid, provider, key_name, wrapped FROM data_keys WHERE uid = ?').get(uid) as any;
    return row ? { uid: row.uid, provider: row.provider, keyName: row.key_name, wrapped: Buffer.from(row.wrapped) } : undefined;
  }

  add(key: StoredKey): StoredKey {
    const stored = this.get(key.uid);
    if (stored) return stored;
    this.pending.set(key.uid, key);
    return key;
  }

  durable(): Promise<void> {
    if (this.pending.size === 0) return this.commit ?? Promise.resolve();
    // Every writer that sealed in this turn of the event loop waits for the same commit.
    this.commit ??= new Promise<void>((resolve, reject) =>
      setImmediate(() => {
        this.commit = undefined;
        try {
          this.flush();
          resolve();
        } catch (err) {
          reject(err);
        }
      }),
    );
    return this.commit;
  }

  addNow(keys: readonly StoredKey[]): void {
    this.insertAll(keys);
  }

  /** Commits the pending keys in one transaction; on failure they are dropped (their writes fail). */
  private flush(): void {
    if (this.pending.size === 0) return;
    const keys = [...this.pending.values()];
    this.pending.clear();
    this.insertAll(keys);
  }

  private insertAll(keys: readonly StoredKey[]): void {
    if (keys.length === 0) return;
    const insert = this.db.prepare('INSERT OR IGNORE INTO data_keys (uid, provider, key_name, wrapped) VALUES (?, ?, ?, ?)');
    this.db.exec('BEGIN IMMEDIATE');
    try {
      for (const key of keys) insert.run(key.uid, key.provider, key.keyName, key.wrapped);
      this.db.exec('COMMIT');
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }

  rewrap(key: StoredKey): boolean {
    this.flush();
    const r = this.db.prepare('UPDATE data_keys SET provider = ?, key_name = ?, wrapped = ? WHERE uid = ?').run(key.provider, key.keyName, key.wrapped, key.uid);
    return Number(r.changes) > 0;
  }

  destroy(uid: string): boolean {
    const wasPending = this.pending.delete(uid);
    const r = this.db.prepare('DELETE FROM data_keys WHERE uid = ?').run(uid);
    return wasPending || Number(r.changes) > 0;
  }

  uids(): string[] {
    this.flush();
    return (this.db.prepare('SELECT uid FROM data_keys ORDER BY uid').all() as { uid: string }[]).map((r) => r.uid);
  }

  close(): void {
    if (!this.db.isOpen) return;
    this.flush();
    this.db.close();
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
  durable() {
    return Promise.resolve();
  }
  addNow(keys: readonly StoredKey[]) {
    for (const key of keys) this.add(key);
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
