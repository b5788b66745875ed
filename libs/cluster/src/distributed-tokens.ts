import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureClientCertificate, parseTokenFile, writeCertificateKubeconfig } from '@logbook/apiserver';

/** An identity a component process authenticates as: a client certificate's CN and O (or a static token's user and groups). */
export interface ComponentIdentity {
  readonly user: string;
  readonly groups: readonly string[];
}

/** The identities of the control-plane components, as Kubernetes names them; each has its default role (docs/security.md). */
export const CONTROL_PLANE_IDENTITIES: readonly ComponentIdentity[] = [
  { user: 'system:kube-scheduler', groups: [] },
  { user: 'system:kube-controller-manager', groups: [] },
  { user: 'system:kube-proxy', groups: [] },
];

/** The hollow nodes' simulator: one identity playing many kubelets, so not a `system:node:<name>` (the Node authorizer would hold it to one node). */
export const HOLLOW_NODES_IDENTITY: ComponentIdentity = { user: 'system:logbook-hollow-nodes', groups: [] };

/** A node agent's identity: `system:node:<name>` in `system:nodes`, like a kubelet's. */
export const nodeIdentity = (nodeName: string): ComponentIdentity => ({ user: `system:node:${nodeName}`, groups: ['system:nodes'] });

/**
 * The token of `identity.user` in the token file, appending a new line when the user has none.
 * Lines an operator wrote are kept; the API server re-reads the file when it changes.
 */
export function ensureUserToken(tokenFile: string, identity: ComponentIdentity): string {
  const text = existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8') : '';
  for (const [token, user] of parseTokenFile(text)) if (user.name === identity.user) return token;
  const token = randomBytes(24).toString('hex');
  const separator = text && !text.endsWith('\n') ? '\n' : '';
  appendFileSync(tokenFile, `${separator}${token},${identity.user},${identity.user},"${identity.groups.join(',')}"\n`, { mode: 0o600 });
  return token;
}

/**
 * The component's kubeconfig with its own client certificate from the cluster CA (CN = user,
 * O = groups), at `<dataDir>/distributed/kubeconfigs/<user>.kubeconfig`; the certificate is kept
 * in `<dataDir>/pki` and reissued only when missing or near its expiry. Needs the CA (`ensurePki`).
 */
export async function ensureComponentKubeconfig(dataDir: string, server: string, identity: ComponentIdentity): Promise<string> {
  const file = identity.user.replace(/[^A-Za-z0-9.-]/g, '-');
  const cert = await ensureClientCertificate(dataDir, `component-${file}`, { commonName: identity.user, organizations: identity.groups, days: 365 });
  const dir = join(dataDir, 'distributed', 'kubeconfigs');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `${file}.kubeconfig`);
  writeCertificateKubeconfig(path, { server, caCert: readFileSync(join(dataDir, 'pki', 'ca.crt'), 'utf8'), userName: identity.user, cert: cert.cert, key: cert.key });
  return path;
}
