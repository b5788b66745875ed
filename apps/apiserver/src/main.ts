import 'reflect-metadata';
import { Command } from 'commander';
import { createLogger, startStandaloneApiServer, stopOnSignals } from '@logbook/cluster';
import { auditOptionsFromFlags } from '@logbook/apiserver';
import { healthListenOptions, startHealthServer, type HealthServer } from '@logbook/observability';

/**
 * The API server alone (distributed mode): the log, the projection and the HTTPS API; no relay,
 * no scheduler, no controllers. Every flag has an environment variable (docs/configuration.md):
 *   --data-dir   LOGBOOK_DATA_DIR     certificates, tokens.csv, kubeconfig (and the SQLite log)   ./.logbook
 *   --store      LOGBOOK_STORE        event store URL                                              sqlite:<data-dir>
 *   --host       LOGBOOK_HOST         listen address                                               127.0.0.1
 *   --port       LOGBOOK_PORT         HTTPS port (serves /healthz, /readyz, /livez and /metrics)   6443
 *   --snapshot-every  LOGBOOK_SNAPSHOT_EVERY   projection snapshot interval in events              10000
 *   --finalize-namespaces  LOGBOOK_FINALIZE_NAMESPACES=true   empty deleted namespaces here; only
 *                          when no controller manager runs (it does that job otherwise)
 *   --health-port  LOGBOOK_HEALTH_PORT   a plain-HTTP health server too (0 = a free port); off when unset
 *   --encryption-provider-config  LOGBOOK_ENCRYPTION_PROVIDER_CONFIG  Secrets at rest, or identity   <data-dir>/encryption-config.yaml
 *   --audit-policy-file  LOGBOOK_AUDIT_POLICY_FILE   audit.k8s.io/v1 Policy (request audit)           off
 *   --audit-log-path     LOGBOOK_AUDIT_LOG_PATH      the audit's JSON-lines file (- = stdout)         off
 *   --audit-log-maxsize  LOGBOOK_AUDIT_LOG_MAXSIZE   rotate at this many MB (0 = never)              0
 *   --audit-log-maxbackup  LOGBOOK_AUDIT_LOG_MAXBACKUP  rotated files kept (0 = all)               0
 *   LOGBOOK_HEALTH_HOST (127.0.0.1), LOG_LEVEL (info)
 */
async function main(): Promise<void> {
  const env = process.env;
  const opts = new Command('apiserver')
    .option('--data-dir <dir>', 'certificates, tokens, kubeconfig (and the SQLite log)', env.LOGBOOK_DATA_DIR ?? './.logbook')
    .option('--store <url>', 'event store URL (default sqlite:<data-dir>)', env.LOGBOOK_STORE)
    .option('--host <host>', 'listen address', env.LOGBOOK_HOST ?? '127.0.0.1')
    .option('--port <port>', 'HTTPS port', env.LOGBOOK_PORT ?? '6443')
    .option('--snapshot-every <n>', 'snapshot the projection every N events', env.LOGBOOK_SNAPSHOT_EVERY ?? '10000')
    .option('--finalize-namespaces', 'empty deleted namespaces here (only when no controller manager runs)', env.LOGBOOK_FINALIZE_NAMESPACES === 'true')
    .option('--health-port <port>', 'plain-HTTP /healthz, /readyz, /metrics server (0 = a free port)', env.LOGBOOK_HEALTH_PORT)
    .option('--encryption-provider-config <file>', 'EncryptionConfiguration for Secrets at rest, or identity (default <data-dir>/encryption-config.yaml)', env.LOGBOOK_ENCRYPTION_PROVIDER_CONFIG)
    .option('--audit-policy-file <file>', 'audit.k8s.io/v1 Policy: which requests are recorded and how much', env.LOGBOOK_AUDIT_POLICY_FILE)
    .option('--audit-log-path <file>', 'where the audit events go, one JSON line each (- for standard output)', env.LOGBOOK_AUDIT_LOG_PATH)
    .option('--audit-log-maxsize <MB>', 'rotate the audit file at this size (0: never)', env.LOGBOOK_AUDIT_LOG_MAXSIZE ?? '0')
    .option('--audit-log-maxbackup <n>', 'rotated audit files to keep (0: all)', env.LOGBOOK_AUDIT_LOG_MAXBACKUP ?? '0')
    .parse()
    .opts();
  const log = createLogger('apiserver');
  const server = await startStandaloneApiServer({
    dataDir: opts.dataDir,
    store: opts.store || undefined,
    host: opts.host,
    port: Number(opts.port),
    snapshotEvery: Number(opts.snapshotEvery),
    finalizeNamespaces: Boolean(opts.finalizeNamespaces),
    audit: auditOptionsFromFlags(opts),
    ...(opts.encryptionProviderConfig ? { encryptionProviderConfig: opts.encryptionProviderConfig } : {}),
    logger: log,
  });
  // The API port serves the health endpoints already; this plain-HTTP one is for probes without TLS.
  let health: HealthServer | undefined;
  if (opts.healthPort !== undefined && opts.healthPort !== '') {
    const { host } = healthListenOptions(process.env, 0);
    health = await startHealthServer({ host, port: Number(opts.healthPort), registry: server.registry, ready: () => true });
    log.info({ url: health.url }, 'health server listening');
  }
  stopOnSignals(log, async () => {
    await server.close();
    await health?.close();
  });
  log.info({ url: server.url, kubeconfig: server.kubeconfig }, 'api server running');
}

main().catch((err: Error) => {
  process.stderr.write(`apiserver failed to start: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
