import { randomInt, timingSafeEqual } from 'node:crypto';
import type { KubeObject } from '@logbook/kube';
import type { TokenAuthenticator } from './authenticator';

/** Bootstrap tokens as Kubernetes stores them: a Secret per token in kube-system (docs/security.md "Joining nodes"). */
export const BOOTSTRAP_TOKEN_NAMESPACE = 'kube-system';
export const BOOTSTRAP_TOKEN_SECRET_TYPE = 'bootstrap.kubernetes.io/token';
export const BOOTSTRAP_TOKEN_SECRET_PREFIX = 'bootstrap-token-';
export const BOOTSTRAP_USER_PREFIX = 'system:bootstrap:';
export const BOOTSTRAPPERS_GROUP = 'system:bootstrappers';
/** The extra group `logbook token create` gives its tokens (kubeadm's `system:bootstrappers:kubeadm:default-node-token`). */
export const DEFAULT_NODE_TOKEN_GROUP = 'system:bootstrappers:logbook:default-node-token';

const TOKEN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const EXTRA_GROUP = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;
const TOKEN_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';

export interface BootstrapToken {
  readonly id: string;
  readonly secret: string;
}

/** `<id>.<secret>` with kube's alphabet and lengths; undefined for anything else (it is then not a bootstrap token). */
export function parseBootstrapToken(text: string): BootstrapToken | undefined {
  const m = TOKEN.exec(text);
  return m ? { id: m[1], secret: m[2] } : undefined;
}

export function generateBootstrapToken(): BootstrapToken {
  const pick = (n: number) => Array.from({ length: n }, () => TOKEN_CHARS[randomInt(TOKEN_CHARS.length)]).join('');
  return { id: pick(6), secret: pick(16) };
}

export function bootstrapTokenSecretName(id: string): string {
  return BOOTSTRAP_TOKEN_SECRET_PREFIX + id;
}

export interface BootstrapTokenSpec {
  readonly token: BootstrapToken;
  /** RFC 3339; absent: the token never expires. */
  readonly expiration?: string;
  readonly description?: string;
  readonly extraGroups?: readonly string[];
}

/** The Secret `kubeadm token create` writes, field for field. */
export function bootstrapTokenSecret(spec: BootstrapTokenSpec): KubeObject {
  const plain: Record<string, string> = {
    'token-id': spec.token.id,
    'token-secret': spec.token.secret,
    'usage-bootstrap-authentication': 'true',
    'usage-bootstrap-signing': 'true',
    'auth-extra-groups': (spec.extraGroups ?? [DEFAULT_NODE_TOKEN_GROUP]).join(','),
    ...(spec.expiration ? { expiration: spec.expiration } : {}),
    ...(spec.description ? { description: spec.description } : {}),
  };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: bootstrapTokenSecretName(spec.token.id), namespace: BOOTSTRAP_TOKEN_NAMESPACE },
    type: BOOTSTRAP_TOKEN_SECRET_TYPE,
    data: Object.fromEntries(Object.entries(plain).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
}

/** A value of a Secret's `data` (base64) as text; undefined when absent. */
export function secretText(secret: KubeObject, key: string): string | undefined {
  const v = secret.data?.[key];
  return typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : undefined;
}

/** Expired at `now` (a token without expiration never expires; an unreadable one counts as expired). */
export function isBootstrapTokenExpired(secret: KubeObject, now: Date): boolean {
  const expiration = secretText(secret, 'expiration');
  if (expiration === undefined) return false;
  const at = Date.parse(expiration);
  return Number.isNaN(at) || at <= now.getTime();
}

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
  if (extra.some((g) => !EXTRA_GROUP.test(g))) return undefined;
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
