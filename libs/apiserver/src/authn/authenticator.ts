import type { IncomingMessage } from 'node:http';
import type { User } from '../identity/token-file';

export type { User };

/** Every authenticated user is in this group, whichever authenticator vouched for it (as in kube). */
export const AUTHENTICATED_GROUP = 'system:authenticated';

/**
 * One way of telling who sent a request (a client certificate, a bearer token …). `undefined`
 * means "not mine or not valid": the chain asks the next one, and answers 401 when none knew.
 */
export interface RequestAuthenticator {
  authenticate(req: IncomingMessage): User | undefined;
}

/**
 * A bearer token's owner: the static token file, service-account JWTs, bootstrap tokens. Each
 * answers only for tokens it issued; the chain tries them in order on the one `Authorization` header.
 */
export interface TokenAuthenticator {
  authenticateToken(token: string): User | undefined;
}

/** The token of an `Authorization: Bearer …` header. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

/** Tries each token authenticator on the request's bearer token. */
export class BearerTokenAuthenticator implements RequestAuthenticator {
  constructor(private readonly tokens: readonly TokenAuthenticator[]) {}

  authenticate(req: IncomingMessage): User | undefined {
    const token = bearerToken(req);
    if (!token) return undefined;
    for (const t of this.tokens) {
      const user = t.authenticateToken(token);
      if (user) return user;
    }
    return undefined;
  }
}

/**
 * kube-apiserver's union authenticator: x509 first, then bearer tokens; the first that knows the
 * caller wins, and `system:authenticated` is added to its groups.
 */
export class AuthenticatorChain implements RequestAuthenticator {
  constructor(private readonly authenticators: readonly RequestAuthenticator[]) {}

  authenticate(req: IncomingMessage): User | undefined {
    for (const a of this.authenticators) {
      const user = a.authenticate(req);
      if (user) return withAuthenticatedGroup(user);
    }
    return undefined;
  }
}

export function withAuthenticatedGroup(user: User): User {
  return user.groups.includes(AUTHENTICATED_GROUP) ? user : { ...user, groups: [...user.groups, AUTHENTICATED_GROUP] };
}
