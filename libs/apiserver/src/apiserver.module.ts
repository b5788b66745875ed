import { type DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import type { EventStore } from '@logbook/eventstore';
import type { Projector } from '@logbook/projections';
import { KubeApiController } from './kube-api.controller';
import { KubeApiHandler } from './kube-api.handler';
import { dirname } from 'node:path';
import { createClusterAuthenticator } from './authn/cluster-authenticator';
import { ClusterWriter } from './write/cluster-writer';
import type { SecretVault } from './secrets/secret-vault';
import type { ServiceRange } from './write/cluster-ip';
import { WatchHub } from './watch/watch-hub';
import { NamespaceFinalizer } from './lifecycle/namespace-finalizer';
import { API_OPTIONS, AUTHORIZER, EVENT_STORE, LOGGER, PROJECTOR } from './tokens';
import { Registry } from 'prom-client';
import { ApiMetrics } from './metrics/api-metrics';
import type { RequestAuditor } from './audit-log/request-auditor';
import { type AuthorizationMode, type ClusterAuthorizer, createClusterAuthorizer } from './authz/cluster-authorizer';

export interface ApiServerModuleOptions {
  readonly store: EventStore;
  readonly projector: Projector;
  readonly tokenFile: string;
  /** Where `pki/sa.key` (service-account token signing) lives; default the token file's directory. */
  readonly dataDir?: string;
  readonly logger: Logger;
  readonly bookmarkIntervalMs?: number;
  readonly watchCacheSize?: number;
  /** The interim namespace finalizer: only when no controller manager runs. */
  readonly finalizeNamespaces?: boolean;
  /** Served on the API port's /metrics (bearer token required); default a registry of the API server's own metrics. */
  readonly registry?: Registry;
  /** The client certificate for node agents' streaming ports (exec, port-forward). */
  readonly nodeClient?: { readonly cert: string; readonly key: string };
  /** Writes every request to the audit file (`--audit-policy-file`, `--audit-log-path`). */
  readonly audit?: RequestAuditor;
  /** Default `Node,RBAC`; `AlwaysAllow` only to measure what authorization costs (bench/api-create). */
  readonly authorizationMode?: AuthorizationMode;
  /** Seals Secret values at rest (docs/security.md "Secrets at rest"); none: Secrets are stored as written. */
  readonly secrets?: SecretVault;
  /** Where ClusterIPs come from (`--service-cidr`); default 127.96.0.0/16. */
  readonly serviceRange?: ServiceRange;
}

@Module({})
export class ApiServerModule {
  static forRoot(options: ApiServerModuleOptions): DynamicModule {
    const metrics = new ApiMetrics(options.registry ?? new Registry());
    return {
      module: ApiServerModule,
      controllers: [KubeApiController],
      providers: [
        { provide: API_OPTIONS, useValue: options },
        { provide: EVENT_STORE, useValue: options.store },
        { provide: PROJECTOR, useValue: options.projector },
        { provide: LOGGER, useValue: options.logger },
        { provide: ClusterWriter, useFactory: (store: EventStore, projector: Projector) => new ClusterWriter(store, projector, undefined, (kind, events) => metrics.onAppended(kind, events), undefined, options.secrets, options.serviceRange), inject: [EVENT_STORE, PROJECTOR] },
        { provide: AUTHORIZER, useFactory: (projector: Projector) => createClusterAuthorizer(projector, options.authorizationMode), inject: [PROJECTOR] },
        { provide: WatchHub, useFactory: (projector: Projector) => new WatchHub(projector, options.watchCacheSize), inject: [PROJECTOR] },
        {
          provide: NamespaceFinalizer,
          useFactory: (projector: Projector, writer: ClusterWriter, log: Logger) => new NamespaceFinalizer(projector, writer, log),
          inject: [PROJECTOR, ClusterWriter, LOGGER],
        },
        {
          provide: KubeApiHandler,
          useFactory: (store: EventStore, projector: Projector, writer: ClusterWriter, hub: WatchHub, namespaces: NamespaceFinalizer, log: Logger, authorizer: ClusterAuthorizer) => {
            const authenticator = createClusterAuthenticator({ tokenFile: options.tokenFile, dataDir: options.dataDir ?? dirname(options.tokenFile), projector, secrets: options.secrets });
            return new KubeApiHandler(
              { store, projector, writer, hub, namespaces: options.finalizeNamespaces ? namespaces : undefined, clock: () => new Date(), bookmarkIntervalMs: options.bookmarkIntervalMs ?? 15_000, nodeClient: options.nodeClient, authorizer, serviceAccountTokens: authenticator.serviceAccountTokens },
              authenticator,
              log,
              () => true,
              metrics,
              options.audit,
            );
          },
          inject: [EVENT_STORE, PROJECTOR, ClusterWriter, WatchHub, NamespaceFinalizer, LOGGER, AUTHORIZER],
        },
      ],
      exports: [ClusterWriter, WatchHub, NamespaceFinalizer, AUTHORIZER],
    };
  }
}
