import type { CheckpointStore, EventStore, SnapshotStore } from './event-store.port';
import { EsdbEventStore } from './esdb/esdb-event-store';
import { InMemoryEventStore } from './memory/memory-event-store';
import { SqliteEventStore, type SqliteEventStoreOptions } from './sqlite/sqlite-event-store';

export type FullEventStore = EventStore & SnapshotStore & CheckpointStore;

/**
 * Opens the event store an URL names (STYLE.md "choose the adapter from a URL"):
 * - `sqlite:<dir>` (or `sqlite:<file>.db`): the embedded, durable store;
 * - `memory:`: nothing survives the process, for tests and demos;
 * - `esdb://host:2113?tls=false` (also `esdb+discover://`, `kurrentdb://`): EventStoreDB or
 *   KurrentDB, shared by several API servers; `&prefix=<name>` keeps several logs in one database.
 */
export async function createEventStore(url: string, options: SqliteEventStoreOptions = {}): Promise<FullEventStore> {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'sqlite': {
      const location = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
      if (!location) throw new Error(`event store URL ${url}: sqlite: needs a directory, e.g. sqlite:./data`);
      return SqliteEventStore.open(location, options);
    }
    case 'memory':
      return new InMemoryEventStore();
    case 'esdb':
    case 'esdb+discover':
    case 'kurrentdb':
    case 'kurrentdb+discover':
    case 'kurrent':
    case 'kurrent+discover':
      return EsdbEventStore.connect(url, { keepSnapshots: options.keepSnapshots });
    default:
      throw new Error(`event store URL ${url}: unknown scheme; expected sqlite:<dir>, memory: or esdb://host:2113?tls=false`);
  }
}
