import { eventStoreContract } from '../testing/event-store.contract';
import { InMemoryEventStore } from './memory-event-store';

eventStoreContract('InMemoryEventStore', async () => {
  const store = new InMemoryEventStore();
  return { store, cleanup: () => store.close() };
});
