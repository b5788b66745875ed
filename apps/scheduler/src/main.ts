import { readFileSync } from 'node:fs';
import pino from 'pino';
import { stopOnSignals } from '@logbook/cluster';
import { createEventBus } from '@logbook/bus';
import { HttpClusterClient } from '@logbook/client';
import { ControllerHost } from '@logbook/components';
import { DEFAULT_SCHEDULER_CONFIG, SchedulerController, loadSchedulerConfig } from '@logbook/scheduling';

/**
 * The scheduler as its own process (distributed mode):
 *   LOGBOOK_BUS               bus URL: kafka://host:port[,host:port] or embedded:<dir>   (required)
 *   LOGBOOK_API               API server URL, e.g. https://127.0.0.1:6443                 (required)
 *   LOGBOOK_TOKEN             bearer token of the scheduler's identity
 *   LOGBOOK_CA_FILE           PEM of the CA that signed the API server's certificate
 *   LOGBOOK_SCHEDULER_CONFIG  YAML/JSON file: { filters: [names], scores: [{ name, weight }] }
 *   LOGBOOK_TOPIC_PREFIX      prepended to every topic name, default ''
 * Logs JSON lines; SIGTERM/SIGINT stop the workers and consumers and exit 0.
 */
async function main(): Promise<void> {
  const log = pino({ name: 'scheduler', level: process.env.LOG_LEVEL ?? 'info' });
  const busUrl = process.env.LOGBOOK_BUS;
  const server = process.env.LOGBOOK_API;
  if (!busUrl || !server) {
    log.error('LOGBOOK_BUS and LOGBOOK_API are required, e.g. LOGBOOK_BUS=kafka://127.0.0.1:9092 LOGBOOK_API=https://127.0.0.1:6443');
    process.exit(2);
  }
  const configPath = process.env.LOGBOOK_SCHEDULER_CONFIG;
  const config = configPath ? loadSchedulerConfig(configPath) : DEFAULT_SCHEDULER_CONFIG;
  const caFile = process.env.LOGBOOK_CA_FILE;
  const client = new HttpClusterClient({ server, token: process.env.LOGBOOK_TOKEN, ca: caFile ? readFileSync(caFile) : undefined });
  const bus = createEventBus(busUrl);
  const host = new ControllerHost({ bus, client, controllers: [new SchedulerController(config)], log, topicPrefix: process.env.LOGBOOK_TOPIC_PREFIX ?? '' });

  stopOnSignals(log, async () => {
    await host.stop();
    await bus.close();
    client.close();
  });

  await host.start();
  log.info({ bus: busUrl, api: server, config: configPath ?? 'default', filters: config.filters, scores: config.scores }, 'scheduler running');
}

main().catch((error) => {
  console.error(JSON.stringify({ level: 50, msg: 'scheduler failed to start', err: String(error?.stack ?? error) }));
  process.exit(1);
});
