import type { User } from '../identity/token-file';

/**
 * What a request asks to do, as kube-apiserver's authorizers see it: a verb on a resource
 * (group, resource, subresource, namespace, name) or on a non-resource URL path.
 */
export interface RequestAttributes {
  readonly user: User;
  /** get, list, watch, create, update, patch, delete, deletecollection; impersonate, approve, bind, escalate… */
  readonly verb: string;
  readonly resourceRequest: boolean;
  readonly apiGroup?: string;
  /** The plural: `pods`, `secrets`, `users` (impersonation). */
  readonly resource?: string;
  readonly subresource?: string;
  readonly namespace?: string;
  readonly name?: string;
  /** Non-resource requests: the URL path (`/metrics`, `/apis/logbook.io/v1/history`). */
  readonly path?: string;
}

/**
 * An authorizer's answer. `decided: false` means "no opinion" (the next authorizer in the chain
 * is asked); a chain answers 403 when none allowed.
 */
export interface Decision {
  readonly allowed: boolean;
  readonly decided: boolean;
  readonly reason: string;
}

export interface Authorizer {
  authorize(attributes: RequestAttributes): Decision;
}

/** Used where no authorization is configured (unit tests of other parts). */
export const ALLOW_ALL: Authorizer = { authorize: () => ({ allowed: true, decided: true, reason: '' }) };
