import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, type KubeObject, resourceByKind } from '@logbook/kube';
import { sendJson } from '../http/respond';
import type { User } from '../identity/token-file';
import { authorizeOrThrow } from '../authz/forbidden';
import type { ApiDeps } from '../ops/context';
import { KeyUnavailable } from './key-wrapping';
import { EncryptionConfigError } from './encryption-config';
import { REDACTED } from './secret-vault';

/** Whether `user` may `get` this object: what decides if history and diff show its values. */
export function mayGet(deps: ApiDeps, user: User, kind: string, namespace: string | undefined, name: string): boolean {
  const resource = resourceByKind(kind);
  if (!resource) return false;
  return deps.authorizer.authorize({ user, verb: 'get', resourceRequest: true, apiGroup: resource.group, resource: resource.plural, namespace: resource.namespaced ? namespace : undefined, name }).allowed;
}

/**
 * A past or present Secret as Logbook's own views show it: opened for a caller allowed to get
 * it (`[shredded]` where its key is gone), `[redacted]` values otherwise. Other kinds pass.
 */
export function secretForView(deps: ApiDeps, user: User, obj: KubeObject | undefined): KubeObject | undefined {
  if (!obj || obj.kind !== 'Secret') return obj;
  const vault = deps.writer.secrets;
  if (mayGet(deps, user, 'Secret', obj.metadata.namespace, obj.metadata.name!)) return vault ? vault.open(obj, 'view') : obj;
  return vault ? vault.redact(obj) : { ...obj, ...(obj.data ? { data: Object.fromEntries(Object.keys(obj.data).map((k) => [k, REDACTED])) } : {}) };
}

/** POST /apis/logbook.io/v1/shred?namespace=ns&name=db-password — `logbook shred secret/NAME`. Needs `delete` on the Secret. */
export async function serveShred(deps: ApiDeps, user: User, req: IncomingMessage, query: URLSearchParams, res: ServerResponse): Promise<void> {
  const kind = (query.get('kind') ?? 'secret').toLowerCase();
  if (!['secret', 'secrets'].includes(kind)) throw ApiError.badRequest(`only secrets can be shredded, not "${kind}": shredding destroys a Secret's data key`);
  const name = query.get('name');
  const namespace = query.get('namespace') || 'default';
  if (!name) throw ApiError.badRequest('shred needs ?name=<secret>[&namespace=<ns>]');
  const resource = resourceByKind('Secret')!;
  authorizeOrThrow(deps.authorizer, { user, verb: 'delete', resourceRequest: true, apiGroup: '', resource: 'secrets', namespace, name });
  const correlation = req.headers['x-request-id'];
  const shred = await deps.writer.shredSecret(resource, namespace, name, { actor: user.name, user, correlationId: (Array.isArray(correlation) ? correlation[0] : correlation) ?? randomUUID() });
  sendJson(res, 200, { kind: 'SecretShred', apiVersion: 'logbook.io/v1', namespace, name, ...shred });
}

/**
 * POST /apis/logbook.io/v1/secrets/rotate — re-reads the encryption provider config and
 * re-wraps every data key under its first key. Needs `update` on secrets in every namespace.
 */
export async function serveRotate(deps: ApiDeps, user: User, res: ServerResponse): Promise<void> {
  authorizeOrThrow(deps.authorizer, { user, verb: 'update', resourceRequest: true, apiGroup: '', resource: 'secrets' });
  const vault = deps.writer.secrets;
  if (!vault) throw ApiError.badRequest('this API server does not encrypt secrets');
  try {
    sendJson(res, 200, { kind: 'KeyRotation', apiVersion: 'logbook.io/v1', ...vault.rotate() });
  } catch (err) {
    if (err instanceof KeyUnavailable || err instanceof EncryptionConfigError) throw ApiError.badRequest(err.message);
    throw err;
  }
}
