import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '@logbook/kube';
import { readBody } from '../http/body';
import { sendJson } from '../http/respond';
import { AUTHENTICATION_GROUP } from '../http/discovery';
import type { User } from '../identity/token-file';

/**
 * POST /apis/authentication.k8s.io/v1/selfsubjectreviews (`kubectl auth whoami`): the caller as
 * the API server sees it after authentication and impersonation. Answered, never stored.
 */
export async function serveSelfSubjectReview(user: User, req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  const m = /^\/apis\/authentication\.k8s\.io\/(v1)\/selfsubjectreviews$/.exec(pathname);
  if (!m) throw ApiError.notFoundPath();
  if (req.method !== 'POST') throw ApiError.methodNotAllowed(`the server does not allow this method on the requested resource: ${req.method} selfsubjectreviews`);
  // The body holds nothing to read (kubectl 1.32 sends it as protobuf): drained, not decoded.
  await readBody(req);
  sendJson(res, 201, {
    kind: 'SelfSubjectReview',
    apiVersion: `${AUTHENTICATION_GROUP}/${m[1]}`,
    metadata: { creationTimestamp: null },
    status: { userInfo: { username: user.name, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups, ...(user.extra && Object.keys(user.extra).length > 0 ? { extra: user.extra } : {}) } },
  });
}
