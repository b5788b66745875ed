import { ApiError, streamName } from '@logbook/kube';
import type { AdmissionRequest, MutatingAdmission } from '../admission';
import { qualifiedName } from '../../resource-names';

/** Namespaces kube never lets go (its NamespaceLifecycle's immortal set). */
const IMMORTAL_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

/**
 * kube's NamespaceLifecycle: nothing is created or changed in a namespace that does not exist
 * (404 for the namespace), nothing new is created in one that is being deleted (403), and the
 * immortal namespaces cannot be deleted. Deletes inside a namespace always pass, so that a
 * Terminating namespace can empty. Changes nothing; it refuses before anything else runs.
 */
export const NAMESPACE_LIFECYCLE: MutatingAdmission = {
  name: 'NamespaceLifecycle',
  admit(request, state) {
    const { operation, resource, namespace, name } = request;
    if (resource.kind === 'Namespace') {
      if (operation === 'DELETE' && IMMORTAL_NAMESPACES.has(name)) throw forbidden(request, name, 'this namespace may not be deleted');
      return undefined;
    }
    if (!resource.namespaced || operation === 'DELETE') return undefined;
    if (!namespace) throw ApiError.badRequest('a namespaced resource needs a namespace in the path');
    const ns = state.getByStream(streamName('Namespace', undefined, namespace));
    if (!ns) throw ApiError.notFound('namespaces', namespace);
    if (operation === 'CREATE' && ns.metadata.deletionTimestamp) {
      const shown = name || request.object?.metadata.name || request.object?.metadata.generateName || 'Unknown';
      throw forbidden(request, shown, `unable to create new content in namespace ${namespace} because it is being terminated`, [
        { reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' },
      ]);
    }
    return undefined;
  },
};

/** kube's admission.NewForbidden: `<resource> "<name>" is forbidden: <why>`. */
function forbidden(request: AdmissionRequest, name: string, why: string, causes?: { reason: string; message: string; field: string }[]): ApiError {
  const resource = qualifiedName(request.resource);
  return new ApiError(403, 'Forbidden', `${resource} "${name}" is forbidden: ${why}`, { name, group: request.resource.group, kind: request.resource.plural, ...(causes ? { causes } : {}) });
}
