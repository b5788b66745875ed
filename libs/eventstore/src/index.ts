export * from './event-store.port';
export * from './errors';
export { InMemoryEventStore } from './memory/memory-event-store';
