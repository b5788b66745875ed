import { type KubeObject, resourceByKind } from '@logbook/kube';
import { ClientError, type ClusterClient } from '@logbook/components';
import type { User } from '../identity/token-file';
import type { RequestAuditor } from './request-auditor';

/**
 * The in-process client of `logbook up`'s embedded components, audited: each write becomes one
 * Metadata event under the component's user with the REST path the same write over HTTPS would
 * take, so the audit file reads the same in embedded and distributed mode. Reads come from the
 * projection (as an informer's cache would) and are not audited.
 */
export function auditedClusterClient<C extends ClusterClient>(client: C, auditor: RequestAuditor, user: User): C {
  const audited = async <T>(method: string, kind: string, namespace: string | undefined, name: string | undefined, subresource: string | undefined, write: () => Promise<T>): Promise<T> => {
    const started = new Date();
    const path = restPath(kind, namespace, name, subresource);
    try {
      const result = await write();
      // POSTs answer 201 over HTTPS (bindings and TokenRequests too); a create's name is the object's.
      const created = method === 'POST' && !subresource;
      auditor.recordInProcessWrite(user, method, path, { code: method === 'POST' ? 201 : 200 }, started, created ? (result as KubeObject | undefined)?.metadata?.name : undefined);
      return result;
    } catch (err) {
      const e = err instanceof ClientError ? err : undefined;
      auditor.recordInProcessWrite(user, method, path, { code: e?.code ?? 500, reason: e?.reason ?? 'InternalError', message: (err as Error).message }, started);
      throw err;
    }
  };
  const ns = (obj: KubeObject) => obj.metadata.namespace;
  // Everything else (reads, token requests) is the client's own, reached through the prototype.
  const wrapped: C = Object.create(client);
  Object.assign(wrapped, {
    create: (obj, cause) => audited('POST', obj.kind, ns(obj), undefined, undefined, () => client.create(obj, cause)),
    update: (obj, cause) => audited('PUT', obj.kind, ns(obj), obj.metadata.name, undefined, () => client.update(obj, cause)),
    updateStatus: (obj, cause) => audited('PUT', obj.kind, ns(obj), obj.metadata.name, 'status', () => client.updateStatus(obj, cause)),
    delete: (kind, namespace, name, options) => audited('DELETE', kind, namespace, name, undefined, () => client.delete(kind, namespace, name, options)),
    bind: (namespace, name, nodeName, rv, cause) => audited('POST', 'Pod', namespace, name, 'binding', () => client.bind(namespace, name, nodeName, rv, cause)),
    ...(client.updateScale ? { updateScale: (kind: string, scale: KubeObject, cause) => audited('PUT', kind, scale.metadata.namespace, scale.metadata.name, 'scale', () => client.updateScale!(kind, scale, cause)) } : {}),
    ...(client.updateApproval ? { updateApproval: (obj: KubeObject, cause) => audited('PUT', obj.kind, undefined, obj.metadata.name, 'approval', () => client.updateApproval!(obj, cause)) } : {}),
    ...(client.requestToken ? { requestToken: (namespace: string, account: string, spec, cause) => audited('POST', 'ServiceAccount', namespace, account, 'token', () => client.requestToken!(namespace, account, spec, cause)) } : {}),
  } satisfies Partial<ClusterClient>);
  return wrapped;
}

function restPath(kind: string, namespace: string | undefined, name: string | undefined, subresource: string | undefined): string {
  const r = resourceByKind(kind);
  if (!r) return `/unknown/${kind}`;
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const scope = r.namespaced && namespace ? `/namespaces/${namespace}` : '';
  return `${base}${scope}/${r.plural}${name ? `/${name}` : ''}${subresource ? `/${subresource}` : ''}`;
}
