import pino from 'pino';
import { stopOnSignals } from '@logbook/cluster';
import { createEventBus } from '@logbook/bus';
import { HttpClusterClient, componentConnection } from '@logbook/client';
import { ControllerHost } from '@logbook/components';
import { DEFAULT_SCHEDULER_CONFIG, SchedulerController, loadSchedulerConfig } from '@logbook/scheduling';
import { DEFAULT_HEALTH_PORTS, createMetricsRegistry, healthListenOptions, startHealthServer } from '@logbook/observability';

/**
 * The scheduler as its own process (distributed mode):
 *   LOGBOOK_BUS               bus URL: kafka://host:port[,host:port] or embedded:<dir>   (required)
 *   LOGBOOK_API               API server URL, e.g. https://127.0.0.1:6443                 (required)
 *   LOGBOOK_KUBECONFIG            a kubeconfig with the component's client certificate (instead of LOGBOOK_API, LOGBOOK_TOKEN, LOGBOOK_CA_FILE)
 *   LOGBOOK_TOKEN             bearer token of the scheduler's identity
 *   LOGBOOK_CA_FILE           PEM of the CA that signed the API server's certificate
 *   LOGBOOK_SCHEDULER_CONFIG  YAML/JSON file: { filters: [names], scores: [{ name, weight }] }
 *   LOGBOOK_TOPIC_PREFIX      prepended to every topic name, default ''
 *   LOGBOOK_HEALTH_PORT       /healthz, /readyz and /metrics, default 10259 (0 picks a free one)
 *   LOGBOOK_HEALTH_HOST       default 127.0.0.1
 * Logs JSON lines; SIGTERM/SIGINT stop the workers and consumers and exit 0.
 */
async function main(): Promise<void> {
  const log = pino({ name: 'scheduler', level: process.env.LOG_LEVEL ?? 'info' });
  const busUrl = process.env.LOGBOOK_BUS;
  const api = componentConnection(process.env);
  const server = api?.server;
  if (!busUrl || !api) {
    log.error('LOGBOOK_BUS and LOGBOOK_API (or LOGBOOK_KUBECONFIG) are required, e.g. LOGBOOK_BUS=kafka://127.0.0.1:9092 LOGBOOK_API=https://127.0.0.1:6443');
    process.exit(2);
  }
  const configPath = process.env.LOGBOOK_SCHEDULER_CONFIG;
  const config = configPath ? loadSchedulerConfig(configPath) : DEFAULT_SCHEDULER_CONFIG;
  const client = new HttpClusterClient(api);
  const bus = createEventBus(busUrl);
  const registry = createMetricsRegistry('scheduler');
  const host = new ControllerHost({ bus, client, controllers: [new SchedulerController(config)], log, topicPrefix: process.env.LOGBOOK_TOPIC_PREFIX ?? '', registry });
  // Up before the host starts: /readyz answers 503 while the consumers join their groups.
  const health = await startHealthServer({ ...healthListenOptions(process.env, DEFAULT_HEALTH_PORTS.scheduler), registry, ready: () => host.ready, notReadyReason: 'the scheduler has not joined its consumer groups yet' });
  log.info({ url: health.url }, 'health server listening');

  stopOnSignals(log, async () => {
    await host.stop();
    await bus.close();
    client.close();
    await health.close();
  });

  await host.start();
  log.info({ bus: busUrl, api: server, config: configPath ?? 'default', filters: config.filters, scores: config.scores }, 'scheduler running');
}

main().catch((error) => {
  console.error(JSON.stringify({ level: 50, msg: 'scheduler failed to start', err: String(error?.stack ?? error) }));
  process.exit(1);
});
