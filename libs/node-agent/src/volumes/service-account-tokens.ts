import type { ClusterClient, IssuedToken } from '@logbook/components';
import type { KubeObject } from '@logbook/kube';
import type { ServiceAccountTokenSource } from './sources';

/** The kubelet's ceiling on a cached token's age, whatever its expiry. */
const MAX_TTL_MS = 24 * 3600_000;

interface Cached {
  readonly token: string;
  /** When the token was issued (as this node saw it) and when it expires. */
  readonly issuedMs: number;
  readonly expiresMs: number;
}

/**
 * Whether a cached token must be replaced, as the kubelet's token manager decides: it expired,
 * 80 % of its lifetime has passed, or it is older than 24 hours (pure).
 */
export function needsRefresh(t: Pick<Cached, 'issuedMs' | 'expiresMs'>, nowMs: number): boolean {
  if (nowMs >= t.expiresMs) return true;
  if (nowMs - t.issuedMs > MAX_TTL_MS) return true;
  return nowMs >= t.issuedMs + 0.8 * (t.expiresMs - t.issuedMs);
}

/**
 * Projected `serviceAccountToken` sources' tokens, asked of the API (TokenRequest bound to the
 * pod) through the node agent's own client and cached per pod, audience and lifetime; a token
 * is renewed by the rules of `needsRefresh`. When a renewal fails the still-valid token is kept
 * (the next sync tries again); a first request that fails fails the volume (FailedMount).
 */
export class ServiceAccountTokens implements ServiceAccountTokenSource {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly client: ClusterClient,
    private readonly now: () => number = Date.now,
  ) {}

  async token(pod: KubeObject, request: { readonly audience?: string; readonly expirationSeconds: number }): Promise<string | undefined> {
    if (!this.client.requestToken) return undefined;
    const uid = pod.metadata.uid!;
    const ns = pod.metadata.namespace!;
    const sa: string = pod.spec?.serviceAccountName || pod.spec?.serviceAccount || 'default';
    const key = `${uid}\u0000${sa}\u0000${request.audience ?? ''}\u0000${request.expirationSeconds}`;
    const cached = this.cache.get(key);
    if (cached && !needsRefresh(cached, this.now())) return cached.token;
    let issued: IssuedToken;
    try {
      issued = await this.client.requestToken(
        ns,
        sa,
        {
          ...(request.audience ? { audiences: [request.audience] } : {}),
          expirationSeconds: request.expirationSeconds,
          boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: pod.metadata.name!, uid },
        },
        {},
      );
    } catch (err) {
      if (cached && this.now() < cached.expiresMs) return cached.token;
      throw new Error(`failed to fetch token: ${(err as Error).message}`, { cause: err });
    }
    const issuedMs = this.now();
    const expiresMs = Date.parse(issued.expirationTimestamp);
    this.cache.set(key, { token: issued.token, issuedMs, expiresMs: Number.isFinite(expiresMs) ? expiresMs : issuedMs + request.expirationSeconds * 1000 });
    return issued.token;
  }

  /** The pod is gone from this node: its tokens are dropped. */
  forget(podUid: string): void {
    for (const key of [...this.cache.keys()]) if (key.startsWith(`${podUid}\u0000`)) this.cache.delete(key);
  }
}
