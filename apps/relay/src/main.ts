import pino from 'pino';
import { stopOnSignals } from '@logbook/cluster';
import { createEventBus } from '@logbook/bus';
import { createEventStore } from '@logbook/eventstore';
import { Relay, relayCheckpointName } from '@logbook/relay';
import { DEFAULT_HEALTH_PORTS, createMetricsRegistry, healthListenOptions, startHealthServer } from '@logbook/observability';

/**
 * The relay as its own process (distributed mode):
 *   LOGBOOK_STORE   event store URL, e.g. sqlite:/var/lib/logbook      (required)
 *   LOGBOOK_BUS     bus URL, default kafka://127.0.0.1:9092
 *   LOGBOOK_RELAY_PARTITIONS  partitions per topic, default 6
 *   LOGBOOK_RELAY_BATCH       messages per produce request, default 1000
 *   LOGBOOK_TOPIC_PREFIX      prepended to every topic name, default ''
 *   LOGBOOK_RELAY_POLL_MS     how often to look for appends made by other processes, default 200
 *   LOGBOOK_HEALTH_PORT       /healthz, /readyz and /metrics, default 10258 (0 picks a free one)
 *   LOGBOOK_HEALTH_HOST       default 127.0.0.1
 * Logs JSON lines; SIGTERM/SIGINT finish the batch in flight, checkpoint it and exit 0.
 */
async function main(): Promise<void> {
  const log = pino({ name: 'relay', level: process.env.LOG_LEVEL ?? 'info' });
  const storeUrl = process.env.LOGBOOK_STORE;
  if (!storeUrl) {
    log.error('LOGBOOK_STORE is required, e.g. LOGBOOK_STORE=sqlite:./data');
    process.exit(2);
  }
  const busUrl = process.env.LOGBOOK_BUS ?? 'kafka://127.0.0.1:9092';
  const store = await createEventStore(storeUrl);
  const bus = createEventBus(busUrl);
  const registry = createMetricsRegistry('relay');
  // The writer is another process: its appends are seen by polling, not by subscribeAll.
  const relay = new Relay({
    store,
    checkpoints: store,
    snapshots: store,
    bus,
    name: relayCheckpointName(busUrl),
    partitions: Number(process.env.LOGBOOK_RELAY_PARTITIONS ?? 6),
    batchSize: Number(process.env.LOGBOOK_RELAY_BATCH ?? 1000),
    topicPrefix: process.env.LOGBOOK_TOPIC_PREFIX ?? '',
    live: { pollIntervalMs: Number(process.env.LOGBOOK_RELAY_POLL_MS ?? 200) },
    logger: log,
    onPublished: ({ events, position, ms }) => log.debug({ events, position, ms }, 'published'),
    registry,
    // A relay that no longer publishes must not look alive: exit, so the supervisor starts a new one
    // (it resumes from the checkpoint).
    onFatal: () => process.exit(1),
  });
  // Up before the relay starts: /readyz answers 503 until it has published the log as it was at start.
  const health = await startHealthServer({ ...healthListenOptions(process.env, DEFAULT_HEALTH_PORTS.relay), registry, ready: () => relay.ready, notReadyReason: 'the relay has not caught up with the log yet' });
  log.info({ url: health.url }, 'health server listening');

  stopOnSignals(log, async () => {
    await relay.stop();
    await bus.close();
    await store.close();
    await health.close();
  });

  await relay.start();
  log.info({ store: storeUrl, bus: busUrl, checkpoint: relay.position }, 'relay running');
}

main().catch((error) => {
  console.error(JSON.stringify({ level: 50, msg: 'relay failed to start', err: String(error?.stack ?? error) }));
  process.exit(1);
});
