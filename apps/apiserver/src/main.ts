import 'reflect-metadata';
import { startEmbeddedCluster, createLogger, stopOnSignals } from '@logbook/cluster';

/**
 * The API server as its own process. Configuration (docs/operations.md):
 * LOGBOOK_DATA_DIR (./.logbook), LOGBOOK_HOST (127.0.0.1), LOGBOOK_PORT (6443), LOG_LEVEL (info).
 */
async function main(): Promise<void> {
  const log = createLogger('apiserver');
  const cluster = await startEmbeddedCluster({
    dataDir: process.env.LOGBOOK_DATA_DIR ?? './.logbook',
    host: process.env.LOGBOOK_HOST ?? '127.0.0.1',
    port: Number(process.env.LOGBOOK_PORT ?? 6443),
    logger: log,
  });
  stopOnSignals(log, () => cluster.close());
}

main().catch((err: Error) => {
  process.stderr.write(`apiserver failed to start: ${err.message}\n`);
  process.exit(1);
});
