export * from './event-store.port';
export * from './errors';
export * from './duplicate-event-id';
export { InMemoryEventStore } from './memory/memory-event-store';
export { SqliteEventStore, databaseFile, type SqliteEventStoreOptions } from './sqlite/sqlite-event-store';
export { EsdbEventStore, type EsdbEventStoreOptions } from './esdb/esdb-event-store';
export { parseEsdbUrl, type EsdbLocation } from './esdb/esdb-url';
export { CatchUpSubscription } from './subscription/catch-up-subscription';
export { createEventStore, type FullEventStore } from './registry';
