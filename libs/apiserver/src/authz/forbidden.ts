import { ApiError } from '@logbook/kube';
import type { Authorizer, Decision, RequestAttributes } from './authorizer';

/**
 * kube's 403 wording: `pods "x" is forbidden: User "alice" cannot get resource "pods" in API
 * group "" in the namespace "ns1"` (`at the cluster scope` without a namespace; `forbidden: User
 * "alice" cannot get path "/metrics"` for a URL), then `: <reason>` when the authorizers gave one.
 */
export function forbidden(attrs: RequestAttributes, reason = ''): ApiError {
  const user = JSON.stringify(attrs.user.name);
  let what: string;
  if (!attrs.resourceRequest) what = `User ${user} cannot ${attrs.verb} path ${JSON.stringify(attrs.path ?? '')}`;
  else {
    const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource ?? '';
    const scope = attrs.namespace ? `in the namespace ${JSON.stringify(attrs.namespace)}` : 'at the cluster scope';
    what = `User ${user} cannot ${attrs.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(attrs.apiGroup ?? '')} ${scope}`;
  }
  if (reason) what += `: ${reason}`;
  const group = attrs.resourceRequest ? attrs.apiGroup ?? '' : '';
  const qualified = attrs.resourceRequest ? (group ? `${attrs.resource}.${group}` : attrs.resource ?? '') : '';
  const name = attrs.resourceRequest ? attrs.name ?? '' : '';
  const message = !qualified ? `forbidden: ${what}` : name ? `${qualified} ${JSON.stringify(name)} is forbidden: ${what}` : `${qualified} is forbidden: ${what}`;
  return new ApiError(403, 'Forbidden', message, { ...(name ? { name } : {}), group, kind: attrs.resourceRequest ? attrs.resource ?? '' : '' });
}

/** Throws kube's 403 unless the authorizer allows; `onDecision` hears the decision either way (the request audit). */
export function authorizeOrThrow(authorizer: Authorizer, attrs: RequestAttributes, onDecision?: (decision: Decision) => void): void {
  const decision = authorizer.authorize(attrs);
  onDecision?.(decision);
  if (!decision.allowed) throw forbidden(attrs, decision.reason);
}
