import type { Logger } from 'pino';

/**
 * Stops a component cleanly on SIGTERM or SIGINT (once, however many signals arrive): runs
 * `stop`, then exits 0, or 1 when stopping failed.
 */
export function stopOnSignals(log: Pick<Logger, 'info' | 'error'>, stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    try {
      await stop();
      process.exit(0);
    } catch (error) {
      log.error({ err: error }, 'unclean stop');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
