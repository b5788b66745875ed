import 'reflect-metadata';
import { ServiceRange } from './write/cluster-ip';
import { type IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { EventStore } from '@logbook/eventstore';
import type { Projector } from '@logbook/projections';
import { ApiServerModule } from './apiserver.module';
import { ensurePki } from './identity/pki';
import { openSecretVault, sweepKeys } from './secrets/open-vault';
import { ClusterWriter } from './write/cluster-writer';
import { KubeApiHandler } from './kube-api.handler';
import { WatchHub } from './watch/watch-hub';
import { NamespaceFinalizer } from './lifecycle/namespace-finalizer';
import { RequestAuditor, type RequestAuditOptions } from './audit-log/request-auditor';
import { AUTHORIZER } from './tokens';
import type { ServiceAccountTokens } from './authn/service-account-tokens';
import type { AuthorizationMode, ClusterAuthorizer } from './authz/cluster-authorizer';

export interface ApiServerOptions {
  readonly store: EventStore;
  readonly projector: Projector;
  readonly dataDir: string;
  readonly tokenFile: string;
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
  readonly bookmarkIntervalMs?: number;
  /** Empty deleted namespaces here; only when no controller manager runs (default false). */
  readonly finalizeNamespaces?: boolean;
  /** Served on /metrics with a bearer token; `logbook up` passes the one registry of its process. */
  readonly registry?: Registry;
  /** kube's request audit: a policy file and the JSON-lines file every request is recorded in. */
  readonly audit?: RequestAuditOptions;
  /** Default `Node,RBAC`; `AlwaysAllow` only to measure what authorization costs (bench/api-create). */
  readonly authorizationMode?: AuthorizationMode;
  /** An EncryptionConfiguration file, or `identity` (no encryption); default `<dataDir>/encryption-config.yaml`. */
  readonly encryptionProviderConfig?: string;
  /** The Service CIDR ClusterIPs come from (`--service-cidr`); default 127.96.0.0/16. */
  readonly serviceCIDR?: string;
}

export interface RunningApiServer {
  readonly url: string;
  readonly port: number;
  readonly caCert: string;
  readonly writer: ClusterWriter;
  /** The request audit, when configured: embedded components' in-process writes are recorded through it. */
  readonly audit?: RequestAuditor;
  /** Node, then RBAC: what the in-process clients of embedded components authorize with. */
  readonly authorizer: ClusterAuthorizer;
  /** The TokenRequest API's issuer: embedded node agents' in-process clients ask it for pods' tokens. */
  readonly serviceAccountTokens?: ServiceAccountTokens;
  close(): Promise<void>;
}

/**
 * An upgrade request goes through the same handler as any other (authentication, routing,
 * Status errors) with a response bound to its raw connection; an operation that switches
 * protocols takes the connection over, anything else answers and closes it.
 */
function serveUpgrade(handler: KubeApiHandler, req: IncomingMessage, socket: Duplex, head: Buffer, open: Set<Duplex>): void {
  socket.on('error', () => undefined);
  open.add(socket);
  socket.once('close', () => open.delete(socket));
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket as Socket);
  res.on('finish', () => {
    res.detachSocket(socket as Socket);
    socket.end();
  });
  void handler.handle(req, res, { socket, head }).finally(() => {
    if (res.statusCode === 101) res.detachSocket(socket as Socket);
  });
}

/** Starts the HTTPS API server (certificate made on first start, kept in the data directory). */
export async function startApiServer(options: ApiServerOptions): Promise<RunningApiServer> {
  const pki = await ensurePki(options.dataDir, [options.host, '127.0.0.1', 'localhost']);
  const audit = options.audit ? RequestAuditor.open(options.audit) : undefined;
  const secrets = openSecretVault(options.dataDir, options.encryptionProviderConfig);
  await sweepKeys(secrets.vault, options.projector.state, options.store);
  const app: INestApplication = await NestFactory.create(
    ApiServerModule.forRoot({
      store: options.store,
      projector: options.projector,
      tokenFile: options.tokenFile,
      dataDir: options.dataDir,
      logger: options.logger,
      bookmarkIntervalMs: options.bookmarkIntervalMs,
      finalizeNamespaces: options.finalizeNamespaces ?? false,
      registry: options.registry,
      nodeClient: pki.nodeClient,
      audit,
      authorizationMode: options.authorizationMode,
      secrets: secrets.vault,
      ...(options.serviceCIDR ? { serviceRange: new ServiceRange(options.serviceCIDR) } : {}),
    }),
    // The CA goes with the chain so that `logbook join --ca-cert-hash` can pin it before sending its token.
    // Client certificates are asked for, checked against the cluster CA, and not required: a caller
    // with a token and none (or one of another CA) still gets through to the token authenticators.
    { httpsOptions: { key: pki.key, cert: withCa(pki.cert, pki.caCert), ca: pki.caCert, requestCert: true, rejectUnauthorized: false }, bodyParser: false, logger: false, abortOnError: false },
  );
  await app.listen(options.port, options.host);
  const server = app.getHttpServer();
  // Watches are long-lived responses; only idle keep-alive sockets should time out.
  server.requestTimeout = 0;
  // Components keep connections open between writes; Node's 5 s default closes idle ones so soon
  // that a client reusing one races the close (ECONNRESET). kube-apiserver keeps them far longer.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  // exec and port-forward switch protocols; everything else that asks to is answered normally.
  const handler = app.get(KubeApiHandler);
  // Upgraded connections (a long exec, a port-forward) are not the HTTP server's to close: ours.
  const upgraded = new Set<Duplex>();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => serveUpgrade(handler, req, socket, head, upgraded));
  const port = (server.address() as AddressInfo).port;
  if (options.finalizeNamespaces) app.get(NamespaceFinalizer).resumeAll();
  return {
    url: `https://${options.host}:${port}`,
    port,
    caCert: pki.caCert,
    writer: app.get(ClusterWriter),
    audit,
    authorizer: app.get<ClusterAuthorizer>(AUTHORIZER),
    ...(handler.serviceAccountTokens ? { serviceAccountTokens: handler.serviceAccountTokens } : {}),
    async close() {
      app.get(WatchHub).close();
      await app.get(NamespaceFinalizer).drain();
      server.closeAllConnections?.();
      for (const socket of upgraded) socket.destroy();
      await app.close();
      // After the server: requests still answering while it closed are in the file too.
      await audit?.close();
      secrets.close();
    },
  };
}

function withCa(cert: string, caCert: string): string {
  return `${cert.trimEnd()}\n${caCert.trimEnd()}\n`;
}
