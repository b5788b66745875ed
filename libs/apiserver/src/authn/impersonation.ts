import type { IncomingMessage } from 'node:http';
import { ApiError } from '@logbook/kube';
import type { Authorizer, RequestAttributes } from '../authz/authorizer';
import { authorizeOrThrow } from '../authz/forbidden';
import { AUTHENTICATED_GROUP, type User } from './authenticator';

const SA_PREFIX = 'system:serviceaccount:';
const EXTRA_PREFIX = 'impersonate-extra-';

/**
 * kube's impersonation filter (`kubectl --as`, `--as-group`, `--as-uid`): each requested
 * attribute needs the caller's `impersonate` permission on it — `users` (or the service account),
 * `groups`, `uids` and `userextras/<key>` — and the request then runs as the impersonated user.
 * Without impersonation headers the caller is returned unchanged.
 */
export function impersonate(req: IncomingMessage, caller: User, authorizer: Authorizer): User {
  const name = header(req, 'impersonate-user')[0];
  const groups = header(req, 'impersonate-group');
  const uid = header(req, 'impersonate-uid')[0];
  const extra: Record<string, string[]> = {};
  for (const [h, v] of Object.entries(req.headers)) {
    if (!h.startsWith(EXTRA_PREFIX) || v === undefined) continue;
    const key = decodeURIComponent(h.slice(EXTRA_PREFIX.length)).toLowerCase();
    extra[key] = [...(extra[key] ?? []), ...(Array.isArray(v) ? v : [v])];
  }
  if (name === undefined) {
    if (groups.length > 0 || uid !== undefined || Object.keys(extra).length > 0) {
      throw ApiError.badRequest('requested impersonation of groups, uid or extra attributes without impersonating a user');
    }
    return caller;
  }
  const check = (attrs: Omit<RequestAttributes, 'user' | 'verb' | 'resourceRequest'>) => authorizeOrThrow(authorizer, { user: caller, verb: 'impersonate', resourceRequest: true, ...attrs });
  const sa = name.startsWith(SA_PREFIX) ? name.slice(SA_PREFIX.length).split(':') : undefined;
  if (sa && sa.length === 2) check({ apiGroup: '', resource: 'serviceaccounts', namespace: sa[0], name: sa[1] });
  else check({ apiGroup: '', resource: 'users', name });
  for (const group of groups) check({ apiGroup: '', resource: 'groups', name: group });
  if (uid !== undefined) check({ apiGroup: 'authentication.k8s.io', resource: 'uids', name: uid });
  for (const [key, values] of Object.entries(extra)) for (const value of values) check({ apiGroup: 'authentication.k8s.io', resource: 'userextras', subresource: key, name: value });

  // As kube: a service account keeps its groups, and everyone but system:anonymous is authenticated.
  const impliedGroups = sa && sa.length === 2 ? ['system:serviceaccounts', `system:serviceaccounts:${sa[0]}`] : [];
  const all = [...new Set([...groups, ...impliedGroups])];
  if (name !== 'system:anonymous' && !all.includes(AUTHENTICATED_GROUP)) all.push(AUTHENTICATED_GROUP);
  return { name, uid: uid ?? '', groups: all, ...(Object.keys(extra).length > 0 ? { extra } : {}) };
}

function header(req: IncomingMessage, name: string): string[] {
  const v = req.headers[name];
  if (v === undefined) return [];
  // Node joins repeated headers with ", " (a group name never holds one).
  return (Array.isArray(v) ? v : [v]).flatMap((x) => x.split(/,\s*/)).filter((x) => x !== '');
}
