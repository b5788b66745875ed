import { InMemoryEventStore } from './memory/memory-event-store';
import { createEventStore } from './registry';

describe('createEventStore', () => {
  it('opens an in-memory store for memory:', async () => {
    const store = await createEventStore('memory:');
    expect(store).toBeInstanceOf(InMemoryEventStore);
    await store.close();
  });

  it('says the EventStoreDB adapter is not built yet', async () => {
    await expect(createEventStore('esdb://localhost:2113?tls=false')).rejects.toThrow(/EventStoreDB adapter is not built yet/);
  });

  it.each(['kafka://x', 'nonsense', 'sqlite:'])('rejects %s', async (url) => {
    await expect(createEventStore(url)).rejects.toThrow(url);
  });
});
