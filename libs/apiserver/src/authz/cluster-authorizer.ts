import type { Projector } from '@logbook/projections';
import type { Authorizer } from './authorizer';
import { AuthorizerChain } from './chain';
import { NodeAuthorizer } from './node-authorizer';
import { RbacAuthorizer } from './rbac-authorizer';

/** The API server's authorizers, `--authorization-mode=Node,RBAC`, over its projection. */
export interface ClusterAuthorizer extends Authorizer {
  readonly rbac: RbacAuthorizer;
}

export function createClusterAuthorizer(projector: Projector): ClusterAuthorizer {
  const state = () => projector.state;
  const rbac = new RbacAuthorizer(state);
  projector.onApplied((event) => rbac.changed(event.stream));
  const chain = new AuthorizerChain([new NodeAuthorizer(state), rbac]);
  return { rbac, authorize: (attrs) => chain.authorize(attrs) };
}
