import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createMetricsRegistry } from '@logbook/observability';
import { createEventStore, type FullEventStore } from '@logbook/eventstore';
import { Projector } from '@logbook/projections';
import { ensureTokenFile, startApiServer, writeKubeconfig, type RunningApiServer } from '@logbook/apiserver';
import { ensureSystemNamespaces } from './embedded-cluster';
import { CONTROL_PLANE_IDENTITIES, ensureUserToken } from './distributed-tokens';

export interface StandaloneApiServerOptions {
  /** Certificates, tokens, kubeconfig and (with the default store) the log. */
  readonly dataDir: string;
  /** Event store URL; default `sqlite:<dataDir>`. */
  readonly store?: string;
  readonly host?: string;
  readonly port?: number;
  readonly logger: Logger;
  readonly snapshotEvery?: number;
  /** Empty deleted namespaces in the API server: only when no controller manager runs. */
  readonly finalizeNamespaces?: boolean;
  /** Served on the API port's /metrics (bearer token). Default: a new `apiserver` registry. */
  readonly registry?: Registry;
}

export interface StandaloneApiServer {
  readonly url: string;
  readonly kubeconfig: string;
  readonly adminToken: string;
  readonly store: FullEventStore;
  readonly projector: Projector;
  readonly api: RunningApiServer;
  readonly registry: Registry;
  close(): Promise<void>;
}

/**
 * The API server of distributed mode: the log, the projection, the HTTPS API, tokens, the CA and
 * a kubeconfig in the data directory, and nothing else — the relay, the scheduler, the controller
 * manager, node agents and proxies are processes of their own that reach it over HTTPS.
 */
export async function startStandaloneApiServer(options: StandaloneApiServerOptions): Promise<StandaloneApiServer> {
  const dataDir = resolve(options.dataDir);
  const log = options.logger;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const tokenFile = join(dataDir, 'tokens.csv');
  const adminToken = ensureTokenFile(tokenFile);
  // Components authenticate as their own identities; node identities are added per node
  // (`logbook up --distributed` does it, docs/configuration.md says how by hand).
  for (const identity of CONTROL_PLANE_IDENTITIES) ensureUserToken(tokenFile, identity);

  const registry = options.registry ?? createMetricsRegistry('apiserver');
  const storeUrl = options.store ?? `sqlite:${dataDir}`;
  const store = await createEventStore(storeUrl);
  const projector = new Projector(store, store, { snapshotEvery: options.snapshotEvery ?? 10_000 });
  const started = Date.now();
  await projector.start();
  log.info({ store: storeUrl, position: projector.state.position, objects: projector.state.count(), ms: Date.now() - started }, 'projection ready');

  const api = await startApiServer({
    store,
    projector,
    dataDir,
    tokenFile,
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 6443,
    logger: log,
    finalizeNamespaces: options.finalizeNamespaces ?? false,
    registry,
  });
  await ensureSystemNamespaces(api, projector);
  const kubeconfig = join(dataDir, 'kubeconfig');
  writeKubeconfig(kubeconfig, { server: api.url, caCert: api.caCert, token: adminToken });
  log.info({ url: api.url, kubeconfig }, 'api server listening');

  return {
    url: api.url,
    kubeconfig,
    adminToken,
    store,
    projector,
    api,
    registry,
    async close() {
      await api.close();
      await projector.stop();
      await store.close();
    },
  };
}
