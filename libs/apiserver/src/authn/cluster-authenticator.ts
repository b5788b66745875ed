import type { Projector } from '@logbook/projections';
import { StaticTokenFile } from '../identity/token-file';
import { AuthenticatorChain, BearerTokenAuthenticator, type RequestAuthenticator } from './authenticator';
import { BootstrapTokenAuthenticator } from './bootstrap-token';
import { ensureServiceAccountKey } from './service-account-jwt';
import { ServiceAccountTokens } from './service-account-tokens';
import { X509Authenticator } from './x509';
import type { SecretVault } from '../secrets/secret-vault';

export interface ClusterAuthenticator extends RequestAuthenticator {
  /** Issues the TokenRequest API's tokens and checks them. */
  readonly serviceAccountTokens: ServiceAccountTokens;
}

/**
 * The API server's authenticators in kube's order: the client certificate, then the bearer token
 * as a static token, a service-account JWT or a bootstrap token (docs/security.md "Identities").
 */
export function createClusterAuthenticator(o: { tokenFile: string; dataDir: string; projector: Projector; clock?: () => Date; secrets?: SecretVault }): ClusterAuthenticator {
  const clock = o.clock ?? (() => new Date());
  const lookup = (kind: string, namespace: string | undefined, name: string) => o.projector.state.get(kind, namespace, name);
  // Bootstrap token Secrets are sealed in the projection (docs/security.md "Secrets at rest"): opened to be checked.
  const secret = (namespace: string | undefined, name: string) => {
    const found = lookup('Secret', namespace, name);
    return o.secrets ? o.secrets.open(found) : found;
  };
  const serviceAccountTokens = new ServiceAccountTokens(ensureServiceAccountKey(o.dataDir), lookup, clock);
  const chain = new AuthenticatorChain([
    new X509Authenticator(),
    new BearerTokenAuthenticator([new StaticTokenFile(o.tokenFile), serviceAccountTokens, new BootstrapTokenAuthenticator(secret, clock)]),
  ]);
  return { serviceAccountTokens, authenticate: (req) => chain.authenticate(req) };
}
