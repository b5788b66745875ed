import type { Projector } from '@logbook/projections';
import { ALLOW_ALL, type Authorizer } from './authorizer';
import { AuthorizerChain } from './chain';
import { NodeAuthorizer } from './node-authorizer';
import { RbacAuthorizer } from './rbac-authorizer';

/** kube's --authorization-mode: `Node,RBAC` (the default), or `AlwaysAllow` for benchmarks of the cost of authorization. */
export type AuthorizationMode = 'Node,RBAC' | 'AlwaysAllow';

/** The API server's authorizers, `--authorization-mode=Node,RBAC`, over its projection. */
export interface ClusterAuthorizer extends Authorizer {
  readonly rbac: RbacAuthorizer;
}

export function createClusterAuthorizer(projector: Projector, mode: AuthorizationMode = 'Node,RBAC'): ClusterAuthorizer {
  const state = () => projector.state;
  const rbac = new RbacAuthorizer(state);
  projector.onApplied((event) => rbac.changed(event.stream));
  const chain = new AuthorizerChain([new NodeAuthorizer(state), rbac]);
  if (mode === 'AlwaysAllow') return { rbac, authorize: ALLOW_ALL.authorize };
  return { rbac, authorize: (attrs) => chain.authorize(attrs) };
}
