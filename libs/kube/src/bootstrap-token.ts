import { randomInt } from 'node:crypto';
import type { KubeObject } from './object';

/** Bootstrap tokens as Kubernetes stores them: a Secret per token in kube-system (docs/security.md "Joining nodes"). */
export const BOOTSTRAP_TOKEN_NAMESPACE = 'kube-system';
export const BOOTSTRAP_TOKEN_SECRET_TYPE = 'bootstrap.kubernetes.io/token';
export const BOOTSTRAP_TOKEN_SECRET_PREFIX = 'bootstrap-token-';
export const BOOTSTRAP_USER_PREFIX = 'system:bootstrap:';
export const BOOTSTRAPPERS_GROUP = 'system:bootstrappers';
/** The extra group `logbook token create` gives its tokens (kubeadm's `system:bootstrappers:kubeadm:default-node-token`). */
export const DEFAULT_NODE_TOKEN_GROUP = 'system:bootstrappers:logbook:default-node-token';

const TOKEN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
/** kube's rule for auth-extra-groups: only groups under system:bootstrappers, so a token cannot name any group. */
export const BOOTSTRAP_EXTRA_GROUP = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;
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

