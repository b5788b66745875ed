import { randomUUID } from 'node:crypto';
import type { KubeObject } from '@logbook/kube';
import type { TokenAuthenticator, User } from './authenticator';
import { DEFAULT_ISSUER, signJwt, verifyJwt, type ServiceAccountClaims, type SigningKey } from './service-account-jwt';

/** The current object of a kind, or undefined (the projection's `get`). */
export type ObjectLookup = (kind: string, namespace: string | undefined, name: string) => KubeObject | undefined;

/** What a token is bound to besides its service account: it stops working when that object goes. */
export interface BoundObject {
  readonly kind: 'Pod' | 'Secret';
  readonly name: string;
  readonly uid: string;
}

export interface TokenGrant {
  readonly namespace: string;
  readonly serviceAccount: { readonly name: string; readonly uid: string };
  readonly audiences: readonly string[];
  readonly expirationSeconds: number;
  readonly bound?: BoundObject;
}

export const serviceAccountUserName = (namespace: string, name: string) => `system:serviceaccount:${namespace}:${name}`;

/**
 * Issues and checks service-account JWTs (kube's TokenRequest tokens). A token proves itself by
 * its signature and lifetime, and is honoured only while its service account, and the pod or
 * secret it is bound to, still exist with the uids it names — so deleting a pod revokes its tokens.
 */
export class ServiceAccountTokens implements TokenAuthenticator {
  readonly issuer: string;
  /** The API server's own audience: a token for another audience is not for us. */
  readonly audiences: readonly string[];

  constructor(
    private readonly key: SigningKey,
    private readonly lookup: ObjectLookup,
    private readonly clock: () => Date = () => new Date(),
    o: { issuer?: string; audiences?: readonly string[] } = {},
  ) {
    this.issuer = o.issuer ?? DEFAULT_ISSUER;
    this.audiences = o.audiences ?? [this.issuer];
  }

  issue(grant: TokenGrant): { token: string; expirationTimestamp: Date } {
    const now = Math.floor(this.clock().getTime() / 1000);
    const exp = now + grant.expirationSeconds;
    const bound = grant.bound ? { [grant.bound.kind === 'Pod' ? 'pod' : 'secret']: { name: grant.bound.name, uid: grant.bound.uid } } : {};
    const claims: ServiceAccountClaims = {
      aud: grant.audiences.length > 0 ? grant.audiences : this.audiences,
      exp,
      iat: now,
      iss: this.issuer,
      jti: randomUUID(),
      'kubernetes.io': { namespace: grant.namespace, ...bound, serviceaccount: { name: grant.serviceAccount.name, uid: grant.serviceAccount.uid } },
      nbf: now,
      sub: serviceAccountUserName(grant.namespace, grant.serviceAccount.name),
    };
    return { token: signJwt(claims, this.key), expirationTimestamp: new Date(exp * 1000) };
  }

  authenticateToken(token: string): User | undefined {
    const checked = verifyJwt(token, this.key, { issuer: this.issuer, audiences: this.audiences, now: this.clock() });
    if (!checked.ok) return undefined;
    const k8s = checked.claims['kubernetes.io'];
    const sa = this.lookup('ServiceAccount', k8s.namespace, k8s.serviceaccount.name);
    if (!sa || sa.metadata.uid !== k8s.serviceaccount.uid || sa.metadata.deletionTimestamp) return undefined;
    if (k8s.pod && !this.alive('Pod', k8s.namespace, k8s.pod)) return undefined;
    if (k8s.secret && !this.alive('Secret', k8s.namespace, k8s.secret)) return undefined;
    const extra: Record<string, string[]> = {};
    if (k8s.pod) {
      extra['authentication.kubernetes.io/pod-name'] = [k8s.pod.name];
      extra['authentication.kubernetes.io/pod-uid'] = [k8s.pod.uid];
    }
    if (checked.claims.jti) extra['authentication.kubernetes.io/credential-id'] = [`JTI=${checked.claims.jti}`];
    return {
      name: serviceAccountUserName(k8s.namespace, k8s.serviceaccount.name),
      uid: k8s.serviceaccount.uid,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${k8s.namespace}`],
      extra,
    };
  }

  /** kube's check: the bound object exists, with the same uid, and is not being deleted. */
  private alive(kind: string, namespace: string, ref: { name: string; uid: string }): boolean {
    const obj = this.lookup(kind, namespace, ref.name);
    return !!obj && obj.metadata.uid === ref.uid && !obj.metadata.deletionTimestamp;
  }
}
