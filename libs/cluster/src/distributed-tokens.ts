import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { parseTokenFile } from '@logbook/apiserver';

/** An identity a component process authenticates as (kube-apiserver's static token file format). */
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
