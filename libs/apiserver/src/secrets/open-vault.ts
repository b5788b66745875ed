import type { EventStore } from '@logbook/eventstore';
import type { ClusterState } from '@logbook/projections';
import { IDENTITY_ONLY, ensureDefaultEncryptionConfig, loadEncryptionConfig } from './encryption-config';
import { MemoryKeyStore, SqliteKeyStore } from './key-store';
import { SecretVault } from './secret-vault';
import { SECRET_SHREDDED } from './shred-event';

/**
 * The API server's vault: `--encryption-provider-config FILE`, `identity` (no encryption: the
 * benchmark of the write path without it), or by default `<dataDir>/encryption-config.yaml`,
 * made on first start. Data keys in `<dataDir>/keys.db`.
 */
export function openSecretVault(dataDir: string, encryptionProviderConfig?: string): { vault: SecretVault; close(): void } {
  if (encryptionProviderConfig === 'identity') {
    const keys = new MemoryKeyStore();
    return { vault: new SecretVault(IDENTITY_ONLY, keys), close: () => keys.close() };
  }
  const settings = loadEncryptionConfig(encryptionProviderConfig ?? ensureDefaultEncryptionConfig(dataDir));
  const keys = SqliteKeyStore.inDataDir(dataDir);
  return { vault: new SecretVault(settings, keys), close: () => keys.close() };
}

/**
 * Destroys the keys a crash left behind: of Secrets deleted, or shredded, after the event was
 * appended but before the key was destroyed. Run once the projection has caught up.
 */
export async function sweepKeys(vault: SecretVault, state: ClusterState, store: EventStore): Promise<number> {
  const live = new Set(state.list('Secret').map((s) => s.metadata.uid!).filter(Boolean));
  const shredded = new Set<string>();
  let before: number | undefined;
  for (;;) {
    const page = await store.readBackward({ types: [SECRET_SHREDDED], limit: 1000, ...(before !== undefined ? { before } : {}) });
    for (const e of page) shredded.add((e.data as { uid: string }).uid);
    if (page.length < 1000) break;
    before = page[page.length - 1].position;
  }
  // A uid shredded and written again since has a new key, made after the shred: keep it.
  for (const uid of [...shredded]) if (!vault.hasKey(uid)) shredded.delete(uid);
  return vault.sweep(live, await newerThanShred(store, shredded));
}

/** Of the shredded uids, those whose Secret was not written after its last shred (their key is a leftover). */
async function newerThanShred(store: EventStore, shredded: Set<string>): Promise<Set<string>> {
  const leftovers = new Set<string>();
  for (const uid of shredded) {
    const created = await store.findCreation(uid);
    if (!created) continue;
    const events = (await store.readStream(created.stream)).filter((e) => e.position >= created.position);
    const last = events.map((e) => e.type).lastIndexOf(SECRET_SHREDDED);
    const writtenSince = events.slice(last + 1).some((e) => e.type.startsWith('Secret'));
    if (!writtenSince) leftovers.add(uid);
  }
  return leftovers;
}
