import { Registry } from 'prom-client';
import { EmbeddedEventBus } from '@logbook/bus';
import { SqliteEventStore } from '@logbook/eventstore';
import { makeTmpDir, parsePrometheusText } from '@logbook/testing';
import { eventually } from '../../bus/src/testing/eventually';
import { Relay } from './relay';
import { writeApiEvents } from './testing/api-writes';

describe('Relay metrics and readiness', () => {
  test('not ready until it has published the log it found; published count, checkpoint and lag follow the log', async () => {
    const tmp = makeTmpDir('logbook-relay-metrics-');
    const store = await SqliteEventStore.open(`${tmp.path}/store`);
    const bus = new EmbeddedEventBus({ dir: `${tmp.path}/bus` });
    const registry = new Registry();
    const relay = new Relay({ store, checkpoints: store, bus, name: 'relay:metrics', batchSize: 100, registry });
    const scrape = async () => parsePrometheusText(await registry.metrics());
    try {
      await writeApiEvents(store, 2_000, 50);
      expect(relay.ready).toBe(false);
      await relay.start();
      await eventually(() => relay.ready, { what: 'the relay to catch up' });
      expect(relay.position).toBeGreaterThanOrEqual(2_000);

      await writeApiEvents(store, 300, 40, 'live-');
      await relay.waitFor(2_300);
      await eventually(async () => {
        const text = await scrape();
        expect(text.sum('logbook_relay_events_published_total')).toBe(2_300);
        expect(text.sum('logbook_relay_checkpoint_position', { relay: 'relay:metrics' })).toBe(2_300);
        expect(text.sum('logbook_relay_lag_events', { relay: 'relay:metrics' })).toBe(0);
        expect(text.sum('logbook_relay_batch_duration_seconds_count')).toBeGreaterThanOrEqual(23);
      });

      await relay.stop();
      expect(relay.ready).toBe(false);
      // Appended while the relay is down: a stopped relay no longer reports, so no stale lag of 0.
      await writeApiEvents(store, 100, 20, 'later-');
      expect((await scrape()).samples('logbook_relay_lag_events')).toEqual([]);
    } finally {
      await relay.stop();
      await bus.close();
      await store.close();
      tmp.remove();
    }
  });
});
