import type { Command } from 'commander';
import { startEmbeddedCluster, createLogger } from '@logbook/cluster';

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('start the embedded all-in-one cluster (log, projection, API server) in this process')
    .option('--data-dir <dir>', 'where the log, snapshots, certificates, tokens and kubeconfig live', './.logbook')
    .option('--port <port>', 'API server port on 127.0.0.1 (0 picks a free one)', '6443')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--snapshot-every <n>', 'snapshot the projection every N events', '10000')
    .option('--bus <url>', 'where the log is relayed for the components: embedded: (in the data dir) or kafka://127.0.0.1:9092', 'embedded:')
    .action(async (opts: { dataDir: string; port: string; host: string; snapshotEvery: string; bus: string }) => {
      const log = createLogger('logbook');
      const cluster = await startEmbeddedCluster({
        dataDir: opts.dataDir,
        host: opts.host,
        port: Number(opts.port),
        snapshotEvery: Number(opts.snapshotEvery),
        bus: opts.bus === 'embedded:' ? undefined : opts.bus,
        logger: log,
      });
      process.stdout.write(`Logbook is up at ${cluster.url}\nUse it with: export KUBECONFIG=${cluster.kubeconfig}\n`);
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, 'stopping');
        await cluster.close();
        process.exit(0);
      };
      process.on('SIGINT', () => void stop('SIGINT'));
      process.on('SIGTERM', () => void stop('SIGTERM'));
    });
}
