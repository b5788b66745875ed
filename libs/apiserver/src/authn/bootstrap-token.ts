import { timingSafeEqual } from 'node:crypto';
import {
  BOOTSTRAP_EXTRA_GROUP,
  BOOTSTRAP_TOKEN_NAMESPACE,
  BOOTSTRAP_TOKEN_SECRET_TYPE,
  BOOTSTRAP_USER_PREFIX,
  BOOTSTRAPPERS_GROUP,
  type KubeObject,
  bootstrapTokenSecretName,
  isBootstrapTokenExpired,
  parseBootstrapToken,
  secretText,
} from '@logbook/kube';
import type { TokenAuthenticator } from './authenticator';

export interface BootstrapUser {
  readonly name: string;
  readonly uid: string;
  readonly groups: readonly string[];
}

/**
 * kube's bootstrap token authenticator: the Secret named after the token id, of the bootstrap
 * type, not being deleted, allowed for authentication, not expired, with the same secret
 * (compared in constant time). Anything else is "not authenticated", never an error, so the
 * caller sees the same 401 for a wrong and an expired token.
 */
export function authenticateBootstrapToken(bearer: string, lookup: (namespace: string, name: string) => KubeObject | undefined, now: Date): BootstrapUser | undefined {
  const token = parseBootstrapToken(bearer);
  if (!token) return undefined;
  const secret = lookup(BOOTSTRAP_TOKEN_NAMESPACE, bootstrapTokenSecretName(token.id));
  if (!secret || secret.type !== BOOTSTRAP_TOKEN_SECRET_TYPE || secret.metadata.deletionTimestamp) return undefined;
  const stored = secretText(secret, 'token-secret') ?? '';
  const given = Buffer.from(token.secret);
  if (stored.length !== given.length || !timingSafeEqual(Buffer.from(stored), given)) return undefined;
  if (secretText(secret, 'token-id') !== token.id) return undefined;
  if (secretText(secret, 'usage-bootstrap-authentication') !== 'true') return undefined;
  if (isBootstrapTokenExpired(secret, now)) return undefined;
  const extra = (secretText(secret, 'auth-extra-groups') ?? '').split(',').map((g) => g.trim()).filter(Boolean);
  // kube refuses a token whose extra groups are outside system:bootstrappers:*: it could name any group.
  if (extra.some((g) => !BOOTSTRAP_EXTRA_GROUP.test(g))) return undefined;
  return { name: BOOTSTRAP_USER_PREFIX + token.id, uid: '', groups: [BOOTSTRAPPERS_GROUP, ...extra] };
}

/** Bearer `<id>.<secret>` against the Secrets of the API server's projection (one of the chain's token authenticators). */
export class BootstrapTokenAuthenticator implements TokenAuthenticator {
  constructor(
    private readonly lookup: (namespace: string, name: string) => KubeObject | undefined,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  authenticateToken(token: string): BootstrapUser | undefined {
    return authenticateBootstrapToken(token, this.lookup, this.clock());
  }
}
