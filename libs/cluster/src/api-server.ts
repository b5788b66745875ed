import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createMetricsRegistry } from '@logbook/observability';
import { ApiError, DEFAULT_STORAGE_CLASS_NAME, defaultStorageClassObject, isDefaultStorageClass, resourceByKind, streamName } from '@logbook/kube';
import { createEventStore, type FullEventStore } from '@logbook/eventstore';
import { Projector } from '@logbook/projections';
import type { AuthorizationMode, RequestAuditOptions } from '@logbook/apiserver';
import { ensureClientCertificate, ensureTokenFile, reconcileBootstrapPolicy, startApiServer, systemCaller, writeKubeconfig, type RunningApiServer } from '@logbook/apiserver';
import { CONTROL_PLANE_IDENTITIES, ensureUserToken } from './distributed-tokens';
import { apiServerAddress, reconcileKubernetesService } from './kubernetes-service';

export interface StandaloneApiServerOptions {
  /** Certificates, tokens, kubeconfig and (with the default store) the log. */
  readonly dataDir: string;
  /** Event store URL; default `sqlite:<dataDir>`. */
  readonly store?: string;
  readonly host?: string;
  readonly port?: number;
  readonly logger: Logger;
  readonly snapshotEvery?: number;
  readonly bookmarkIntervalMs?: number;
  /** Write tokens for the control plane's own identities (components in other processes). Default true. */
  readonly controlPlaneTokens?: boolean;
  /** Empty deleted namespaces in the API server: only when no controller manager runs. */
  readonly finalizeNamespaces?: boolean;
  /** Served on the API port's /metrics (bearer token). Default: a new `apiserver` registry. */
  readonly registry?: Registry;
  /** kube's request audit (`--audit-policy-file`, `--audit-log-path`); none by default. */
  readonly audit?: RequestAuditOptions;
  /** Default `Node,RBAC`; `AlwaysAllow` only to measure what authorization costs (bench/api-create). */
  readonly authorizationMode?: AuthorizationMode;
  /** An EncryptionConfiguration for Secrets at rest, or `identity` (none); default `<dataDir>/encryption-config.yaml`, made with a random key. */
  readonly encryptionProviderConfig?: string;
  /** The Service CIDR (`--service-cidr`); default 127.96.0.0/16, the userspace proxy's loopback range. */
  readonly serviceCIDR?: string;
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

/** Namespaces every Kubernetes cluster starts with. */
const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/**
 * The API server: the log, the projection, the HTTPS API, tokens, the CA and a kubeconfig in the
 * data directory, and nothing else. In distributed mode it is the whole process (the relay, the
 * scheduler, the controller manager, node agents and proxies reach it over HTTPS); `logbook up`
 * starts the rest beside it in the same process. Start-up is the latest snapshot plus the log's tail.
 */
export async function startStandaloneApiServer(options: StandaloneApiServerOptions): Promise<StandaloneApiServer> {
  const dataDir = resolve(options.dataDir);
  const log = options.logger;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const tokenFile = join(dataDir, 'tokens.csv');
  const adminToken = ensureTokenFile(tokenFile);
  // Components authenticate as their own identities; node identities are added per node
  // (`logbook up --distributed` does it, docs/configuration.md says how by hand).
  if (options.controlPlaneTokens ?? true) for (const identity of CONTROL_PLANE_IDENTITIES) ensureUserToken(tokenFile, identity);

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
    bookmarkIntervalMs: options.bookmarkIntervalMs,
    finalizeNamespaces: options.finalizeNamespaces ?? false,
    registry,
    audit: options.audit,
    authorizationMode: options.authorizationMode,
    encryptionProviderConfig: options.encryptionProviderConfig,
    serviceCIDR: options.serviceCIDR,
  });
  // The default roles and bindings before anything else is written: components authorize against them.
  const policy = await reconcileBootstrapPolicy(api.writer, projector);
  if (policy.written > 0) log.info({ written: policy.written }, 'default roles and bindings reconciled');
  await ensureSystemNamespaces(api, projector);
  await ensureDefaultStorageClass(api, projector);
  const master = await reconcileKubernetesService(api.writer, projector, apiServerAddress(api.url));
  if (master > 0) log.info({ written: master }, 'the kubernetes Service and its endpoints reconciled');
  const kubeconfig = join(dataDir, 'kubeconfig');
  // The admin's certificate as kubeadm's admin.conf has it (docs/security.md "Identities"); the token stays current.
  const adminCert = await ensureClientCertificate(dataDir, 'admin', { commonName: 'admin', organizations: ['system:masters'], days: 365 });
  writeKubeconfig(kubeconfig, { server: api.url, caCert: api.caCert, token: adminToken, clientCertificate: adminCert });
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

async function ensureSystemNamespaces(api: RunningApiServer, projector: Projector): Promise<void> {
  const resource = resourceByKind('Namespace')!;
  for (const name of SYSTEM_NAMESPACES) {
    if (projector.state.getByStream(streamName('Namespace', undefined, name))) continue;
    await api.writer.write(resource, undefined, name, { type: 'Create', resource, object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } }, systemCaller('system:apiserver', randomUUID()));
  }
}

/**
 * The `standard` StorageClass (logbook.io/local-path, WaitForFirstConsumer, Delete), created when
 * absent as kube's addon manager does for a cluster's default class; it is the default only
 * when no other class already is. The controller manager's PV controller provisions for it.
 */
async function ensureDefaultStorageClass(api: RunningApiServer, projector: Projector): Promise<void> {
  const resource = resourceByKind('StorageClass')!;
  if (projector.state.getByStream(streamName('StorageClass', undefined, DEFAULT_STORAGE_CLASS_NAME))) return;
  const isDefault = !projector.state.list('StorageClass', {}).some(isDefaultStorageClass);
  try {
    await api.writer.write(resource, undefined, DEFAULT_STORAGE_CLASS_NAME, { type: 'Create', resource, object: defaultStorageClassObject(isDefault) }, systemCaller('system:apiserver', randomUUID()));
  } catch (err) {
    // Another API server on the same log created it first.
    if (!(err instanceof ApiError && err.code === 409)) throw err;
  }
}
