import type { Authorizer, Decision, RequestAttributes } from './authorizer';

/**
 * kube's union authorizer (`--authorization-mode=Node,RBAC`): the first authorizer that decides
 * wins; when none does the request is denied with the reasons they gave, joined.
 */
export class AuthorizerChain implements Authorizer {
  constructor(private readonly authorizers: readonly Authorizer[]) {}

  authorize(attrs: RequestAttributes): Decision {
    const reasons: string[] = [];
    for (const authorizer of this.authorizers) {
      const decision = authorizer.authorize(attrs);
      if (decision.decided) return decision;
      if (decision.reason) reasons.push(decision.reason);
    }
    return { allowed: false, decided: false, reason: reasons.join(', ') };
  }
}
