import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { compare } from 'fast-json-patch';
import type { KubeObject } from '@logbook/kube';
import type { NewEvent } from '@logbook/events';
import { evolveObject } from '@logbook/projections';
import { type EncryptionSettings, loadEncryptionConfig } from './encryption-config';
import { KeyUnavailable, KeyWrapper } from './key-wrapping';
import type { KeyStore } from './key-store';

/** kubectl apply's copy of the manifest: it holds data and stringData in clear. */
export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
export const SHREDDED = '[shredded]';
export const REDACTED = '[redacted]';
/** Prefix of a value sealed with its Secret's data key: nonce(12)‖ciphertext‖tag(16), base64. */
const SEALED = 'logbook:enc:aesgcm:v1:';
const SHREDDED_B64 = Buffer.from(SHREDDED).toString('base64');
/** The pool of stored data keys for Secrets to come: refilled by POOL_BATCH when under POOL_LOW. */
const POOL_LOW = 64;
const POOL_BATCH = 256;

/**
 * How values leave the vault: `api` keeps objects valid for kube clients (a shredded value
 * is base64 of `[shredded]`, a shredded last-applied annotation is left out); `view` is for
 * Logbook's own views (history, diff), where a shredded value reads `[shredded]`.
 */
export type OpenStyle = 'api' | 'view';

/**
 * Envelope encryption of Secret values (docs/security.md "Secrets at rest"): every value of
 * `data`, `stringData` and the last-applied annotation is sealed with AES-256-GCM under a data
 * key of its own Secret (by uid), bound to the uid and field as associated data. Data keys
 * live in the key store, wrapped by the EncryptionConfiguration's first provider. The log,
 * the projection, snapshots, the state hash and Kafka only ever hold sealed values; objects
 * are opened at the API's read boundary. Destroying a data key shreds every value it sealed.
 */
export class SecretVault {
  private wrapper: KeyWrapper;
  private readonly cache = new Map<string, Buffer>();
  /**
   * Uids whose data keys are already stored, for Secrets not created yet: a create takes one,
   * so its append waits for no key commit. Refilled by a batch in one transaction when low;
   * what a restart finds unused is destroyed by the start-up sweep (never handed out twice).
   */
  private readonly pool: string[] = [];
  private refilling = false;

  constructor(
    private settings: EncryptionSettings,
    private readonly keys: KeyStore,
  ) {
    this.wrapper = new KeyWrapper(settings);
  }

  get encrypting(): boolean {
    return this.wrapper.encrypting;
  }

  /** The data key `uid` seals with, made on first use (only when encrypting). */
  private dataKey(uid: string, create: boolean): Buffer | undefined {
    const cached = this.cache.get(uid);
    if (cached) return cached;
    let stored = this.keys.get(uid);
    if (!stored) {
      if (!create) return undefined;
      stored = this.keys.add({ uid, ...this.wrapper.wrap(randomBytes(32)) });
    }
    const dek = this.wrapper.unwrap(stored);
    this.cache.set(uid, dek);
    return dek;
  }

  /**
   * The uid for a new Secret: one whose data key is already on disk when the pool has one, else
   * a fresh uid (its key is made when its values are sealed and committed before the append).
   */
  reserveUid(): string {
    if (!this.encrypting) return randomUUID();
    if (this.pool.length < POOL_LOW && !this.refilling) {
      this.refilling = true;
      setImmediate(() => this.refill());
    }
    return this.pool.pop() ?? randomUUID();
  }

  private refill(): void {
    try {
      const made = Array.from({ length: POOL_BATCH }, () => {
        const dek = randomBytes(32);
        const uid = randomUUID();
        return { uid, dek, stored: { uid, ...this.wrapper.wrap(dek) } };
      });
      this.keys.addNow(made.map((m) => m.stored));
      for (const m of made) {
        this.cache.set(m.uid, m.dek);
        this.pool.push(m.uid);
      }
    } catch {
      // Not thrown from a timer (that would end the process): with no pool, creates make their
      // keys on demand, and a key store that cannot write fails those writes with its error.
    } finally {
      this.refilling = false;
    }
  }

  /** Resolves once every data key made so far is durable: awaited before appending what it seals. */
  keysDurable(): Promise<void> {
    return this.keys.durable();
  }

  /** Whether `uid` has a data key (false once shredded or deleted). */
  hasKey(uid: string): boolean {
    return this.keys.get(uid) !== undefined;
  }

  /** Destroys the data key of `uid`: every value it sealed becomes `[shredded]` for good. */
  destroy(uid: string | undefined): boolean {
    if (!uid) return false;
    const dek = this.cache.get(uid);
    dek?.fill(0);
    this.cache.delete(uid);
    return this.keys.destroy(uid);
  }

  /** Destroys keys of Secrets that no longer exist (a crash between the delete's append and the key's destruction). */
  sweep(liveUids: ReadonlySet<string>, shreddedUids: ReadonlySet<string> = new Set()): number {
    let destroyed = 0;
    const pooled = new Set(this.pool);
    for (const uid of this.keys.uids()) if ((!liveUids.has(uid) && !pooled.has(uid)) || shreddedUids.has(uid)) destroyed += this.destroy(uid) ? 1 : 0;
    return destroyed;
  }

  /**
   * Re-wraps every data key under the current first key (after re-reading the config file the
   * vault was made from, when there is one). Never touches the log. Returns the keys re-wrapped.
   */
  rotate(): { rewrapped: number; current: string } {
    if (this.settings.file) this.settings = loadEncryptionConfig(this.settings.file);
    const next = new KeyWrapper(this.settings);
    if (!next.encrypting) throw new KeyUnavailable('the first provider of the encryption provider config is identity: put the key to rotate to first');
    // The pool's keys seal nothing yet: destroyed rather than re-wrapped; the next create refills it under the new key.
    for (const uid of this.pool.splice(0)) this.destroy(uid);
    let rewrapped = 0;
    for (const uid of this.keys.uids()) {
      const stored = this.keys.get(uid);
      if (!stored) continue;
      const dek = this.cache.get(uid) ?? next.unwrap(stored);
      if (this.keys.rewrap({ uid, ...next.wrap(dek) })) rewrapped++;
    }
    this.wrapper = next;
    return { rewrapped, current: next.current! };
  }

  /** kube folds stringData into data on every write (stringData wins); it is never stored. */
  normalize(obj: KubeObject): KubeObject {
    if (obj.kind !== 'Secret' || !obj.stringData || typeof obj.stringData !== 'object') return obj;
    const data = { ...(obj.data ?? {}) };
    for (const [k, v] of Object.entries(obj.stringData as Record<string, unknown>)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    const { stringData: _dropped, ...rest } = obj;
    return { ...rest, data };
  }

  /** The object with every sensitive value opened (`api` or `view` style). Objects of other kinds pass as they are. */
  open(obj: KubeObject, style?: OpenStyle): KubeObject;
  open(obj: KubeObject | undefined, style?: OpenStyle): KubeObject | undefined;
  open(obj: KubeObject | undefined, style: OpenStyle = 'api'): KubeObject | undefined {
    if (!obj || obj.kind !== 'Secret') return obj;
    const uid = obj.metadata.uid ?? '';
    return mapValues(obj, (field, value, key) => {
      if (!value.startsWith(SEALED)) return value;
      const plain = this.openValue(uid, key, value);
      if (plain !== undefined) return plain;
      if (style === 'view') return SHREDDED;
      return field === 'annotation' ? undefined : SHREDDED_B64;
    });
  }

  /** The object with every sensitive value replaced by `[redacted]` (callers who may not get it). */
  redact(obj: KubeObject | undefined): KubeObject | undefined {
    if (!obj || obj.kind !== 'Secret') return obj;
    return mapValues(obj, () => REDACTED);
  }

  /**
   * The events `decide` made from the opened object, re-expressed over sealed objects: a
   * Created event carries the sealed object, an update the patch between the sealed states.
   * Values that did not change keep their ciphertext, so a patch names only what changed.
   */
  sealEvents(events: readonly NewEvent[], sealed: KubeObject | undefined, opened: KubeObject | undefined, stream: string): NewEvent[] {
    if (!this.encrypting) return [...events];
    let plain = opened;
    let cipher = sealed;
    return events.map((e) => {
      const nextPlain = evolveObject(plain, { ...e, stream, revision: 0, position: 0 });
      const nextCipher = nextPlain ? this.seal(nextPlain, cipher, plain) : undefined;
      const data = e.data as any;
      let out = e;
      if (nextCipher && data?.object) out = { ...e, data: { ...data, object: withoutRv(nextCipher) } };
      else if (nextCipher && Array.isArray(data?.patch)) out = { ...e, data: { ...data, patch: compare(withoutRv(cipher), withoutRv(nextCipher)) } };
      plain = nextPlain;
      cipher = nextCipher;
      return out;
    });
  }

  /** The sealed form of an opened object: unchanged values (against `prevPlain`) keep `prevCipher`'s ciphertext. */
  private seal(plain: KubeObject, prevCipher: KubeObject | undefined, prevPlain: KubeObject | undefined): KubeObject {
    const uid = plain.metadata.uid ?? '';
    const before = new Map<string, { plain: string; cipher: string }>();
    if (prevPlain && prevCipher) {
      const cipherValues = collect(prevCipher);
      for (const [key, value] of collect(prevPlain)) {
        const c = cipherValues.get(key);
        if (c !== undefined) before.set(key, { plain: value, cipher: c });
      }
    }
    return mapValues(plain, (_field, value, key) => {
      const kept = before.get(key);
      if (kept && kept.plain === value) return kept.cipher;
      if (value.startsWith(SEALED)) return value;
      return this.sealValue(uid, key, value);
    });
  }

  private sealValue(uid: string, key: string, value: string): string {
    const dek = this.dataKey(uid, true)!;
    const nonce = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', dek, nonce);
    c.setAAD(Buffer.from(`${uid}\0${key}`));
    return SEALED + Buffer.concat([nonce, c.update(value, 'utf8'), c.final(), c.getAuthTag()]).toString('base64');
  }

  /** The value, or undefined when its data key is gone (shredded) or does not open it. */
  private openValue(uid: string, key: string, value: string): string | undefined {
    let dek: Buffer | undefined;
    try {
      dek = this.dataKey(uid, false);
    } catch (err) {
      if (err instanceof KeyUnavailable) return undefined;
      throw err;
    }
    if (!dek) return undefined;
    const raw = Buffer.from(value.slice(SEALED.length), 'base64');
    try {
      const d = createDecipheriv('aes-256-gcm', dek, raw.subarray(0, 12));
      d.setAAD(Buffer.from(`${uid}\0${key}`));
      d.setAuthTag(raw.subarray(raw.length - 16));
      return Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]).toString('utf8');
    } catch {
      // Sealed under a data key destroyed since: a shred followed by a new write made a new key.
      return undefined;
    }
  }
}

type Field = 'data' | 'stringData' | 'annotation';

/**
 * A copy of a Secret with `fn` applied to each sensitive value; `key` names the value for the
 * associated data (`data/password`, `annotation`). `fn` returning undefined drops the value.
 */
function mapValues(obj: KubeObject, fn: (field: Field, value: string, key: string) => string | undefined): KubeObject {
  const out: KubeObject = { ...obj, metadata: { ...obj.metadata } };
  for (const field of ['data', 'stringData'] as const) {
    const map = obj[field];
    if (!map || typeof map !== 'object') continue;
    const next: Record<string, string> = {};
    for (const [k, v] of Object.entries(map as Record<string, unknown>)) {
      const mapped = typeof v === 'string' ? fn(field, v, `${field}/${k}`) : (v as string);
      if (mapped !== undefined) next[k] = mapped;
    }
    out[field] = next;
  }
  const annotations = obj.metadata.annotations;
  if (annotations && typeof annotations[LAST_APPLIED] === 'string') {
    const next = { ...annotations };
    const mapped = fn('annotation', annotations[LAST_APPLIED], 'annotation');
    if (mapped === undefined) delete next[LAST_APPLIED];
    else next[LAST_APPLIED] = mapped;
    out.metadata.annotations = next;
  }
  return out;
}

function collect(obj: KubeObject): Map<string, string> {
  const values = new Map<string, string>();
  mapValues(obj, (_f, value, key) => {
    values.set(key, value);
    return value;
  });
  return values;
}

function withoutRv(obj: KubeObject): KubeObject;
function withoutRv(obj: KubeObject | undefined): KubeObject | Record<string, never>;
function withoutRv(obj: KubeObject | undefined): KubeObject | Record<string, never> {
  if (!obj) return {};
  const metadata = { ...obj.metadata };
  delete metadata.resourceVersion;
  return { ...obj, metadata };
}
