import { InMemoryEventStore } from './memory/memory-event-store';
import { createEventStore } from './registry';

describe('createEventStore', () => {
  it('opens an in-memory store for memory:', async () => {
    const store = await createEventStore('memory:');
    expect(store).toBeInstanceOf(InMemoryEventStore);
    await store.close();
  });

  it.each(['esdb', 'esdb+discover', 'kurrentdb', 'kurrentdb+discover'])('hands %s:// URLs to the EventStoreDB adapter', async (scheme) => {
    // An invalid prefix fails in the adapter's URL parser, before anything connects.
    await expect(createEventStore(`${scheme}://localhost:2113?tls=false&prefix=a/b`)).rejects.toThrow(/prefix "a\/b"/);
  });

  it.each(['kafka://x', 'nonsense', 'sqlite:'])('rejects %s', async (url) => {
    await expect(createEventStore(url)).rejects.toThrow(url);
  });
});
