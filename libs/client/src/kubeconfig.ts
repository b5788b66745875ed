import { readFileSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, delimiter } from 'node:path';
import { parse } from 'yaml';

export interface ClusterEndpoint {
  readonly server: string;
  readonly token?: string;
  readonly caCert?: string;
  /** PEM client certificate and key (kubeconfig `client-certificate(-data)`, `client-key(-data)`). */
  readonly clientCert?: string;
  readonly clientKey?: string;
  readonly insecure: boolean;
  readonly namespace: string;
}

/** Finds the kubeconfig the way kubectl does: --kubeconfig, then $KUBECONFIG, then ~/.kube/config. */
export function resolveKubeconfigPath(explicit?: string): string {
  if (explicit) return explicit;
  const fromEnv = process.env.KUBECONFIG?.split(delimiter).find((p) => p && existsSync(p));
  if (fromEnv) return fromEnv;
  return join(homedir(), '.kube', 'config');
}

export function loadEndpoint(explicitPath?: string, contextName?: string): ClusterEndpoint {
  const path = resolveKubeconfigPath(explicitPath);
  if (!existsSync(path)) {
    throw new Error(`no kubeconfig at ${path}: start a cluster with "logbook up" and pass --kubeconfig .logbook/kubeconfig (or set KUBECONFIG)`);
  }
  const config = parse(readFileSync(path, 'utf8')) ?? {};
  const ctxName = contextName ?? config['current-context'];
  const context = (config.contexts ?? []).find((c: any) => c.name === ctxName)?.context;
  if (!context) throw new Error(`kubeconfig ${path} has no context "${ctxName}"`);
  const cluster = (config.clusters ?? []).find((c: any) => c.name === context.cluster)?.cluster;
  const user = (config.users ?? []).find((u: any) => u.name === context.user)?.user ?? {};
  if (!cluster?.server) throw new Error(`kubeconfig ${path}: cluster "${context.cluster}" has no server`);
  const caCert = cluster['certificate-authority-data']
    ? Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8')
    : cluster['certificate-authority']
      ? readFileSync(cluster['certificate-authority'], 'utf8')
      : undefined;
  const token = user.token ?? (user.tokenFile ? readFileSync(user.tokenFile, 'utf8').trim() : undefined);
  const pem = (data: string | undefined, file: string | undefined) => (data ? Buffer.from(data, 'base64').toString('utf8') : file ? readFileSync(file, 'utf8') : undefined);
  const clientCert = pem(user['client-certificate-data'], user['client-certificate']);
  const clientKey = pem(user['client-key-data'], user['client-key']);
  return { server: cluster.server, token, caCert, ...(clientCert && clientKey ? { clientCert, clientKey } : {}), insecure: !!cluster['insecure-skip-tls-verify'], namespace: context.namespace ?? 'default' };
}

/** How a component process reaches the API server: the URL, the CA and its own credentials. */
export interface ComponentConnection {
  readonly server: string;
  readonly token?: string;
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

/**
 * A component's connection from its environment: `LOGBOOK_KUBECONFIG` (server, CA and a client
 * certificate or token, what `logbook up --distributed` writes for each component), else
 * `LOGBOOK_API` with `LOGBOOK_TOKEN` and `LOGBOOK_CA_FILE`. Undefined when neither is set.
 */
export function componentConnection(env: NodeJS.ProcessEnv): ComponentConnection | undefined {
  if (env.LOGBOOK_KUBECONFIG) {
    const e = loadEndpoint(env.LOGBOOK_KUBECONFIG);
    return { server: e.server, token: e.token, ca: e.caCert, cert: e.clientCert, key: e.clientKey };
  }
  if (!env.LOGBOOK_API) return undefined;
  return { server: env.LOGBOOK_API, token: env.LOGBOOK_TOKEN, ca: env.LOGBOOK_CA_FILE ? readFileSync(env.LOGBOOK_CA_FILE, 'utf8') : undefined };
}
