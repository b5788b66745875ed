import { EmbeddedEventBus } from '@logbook/bus';
import { SqliteEventStore } from '@logbook/eventstore';
import { makeTmpDir } from '@logbook/testing';
import { eventually } from '../../bus/src/testing/eventually';
import { Relay } from './relay';
import { writeApiEvents } from './testing/api-writes';
import { consumeAllTopics } from './testing/consume-all';

describe('Relay on the embedded bus', () => {
  test('follows live appends after catch-up and resumes from its checkpoint after a restart', async () => {
    const tmp = makeTmpDir('logbook-relay-embedded-');
    const store = await SqliteEventStore.open(`${tmp.path}/store`);
    const bus = new EmbeddedEventBus({ dir: `${tmp.path}/bus` });
    try {
      await writeApiEvents(store, 500, 50);
      const relay = new Relay({ store, checkpoints: store, bus, name: 'relay:embedded', batchSize: 100 });
      await relay.start();
      await relay.waitFor(500);
      await writeApiEvents(store, 300, 40, 'live-'); // appended while the relay is live
      await relay.waitFor(800);
      await relay.stop();

      await writeApiEvents(store, 200, 30, 'later-'); // appended while it is down
      const again = new Relay({ store, checkpoints: store, bus, name: 'relay:embedded' });
      await again.start();
      expect(again.position).toBeGreaterThanOrEqual(800);
      await again.waitFor(1000);
      await again.stop();

      const consumed = await consumeAllTopics(bus, '');
      await eventually(() => expect(consumed.count()).toBe(1000));
      expect(consumed.raw).toHaveLength(1000);
      await consumed.stop();
    } finally {
      await bus.close();
      await store.close();
      tmp.remove();
    }
  });
});
