import { type CachedChange, ClientError, type Controller, type ReconcileContext, type ReconcileResult, splitKey } from '@logbook/components';
import { type KubeObject, matchesLabels } from '@logbook/kube';
import { ignoreNotFound } from '../shared/ignore-not-found';
import { sameJson } from '../shared/same-json';
import { MANAGED_BY, MANAGED_BY_LABEL, SERVICE_NAME_LABEL, endpointSlicesFor } from './endpoint-slices';
import { ServiceIndex, selectorOf } from './service-index';

/**
 * The EndpointSlice controller (discovery.k8s.io/v1): for each Service with a selector, the
 * slices listing its pods with ready/serving/terminating conditions, labelled
 * `kubernetes.io/service-name` and owned by the Service. kubectl 1.32's `describe service` and
 * `describe ingress` read these rather than Endpoints. Slices this controller did not write
 * (no managed-by label of ours) are left alone.
 */
export class EndpointSliceController implements Controller {
  readonly name = 'endpointslice-controller';
  readonly primaryKind = 'Service';
  readonly watches = ['Service', 'Pod', 'EndpointSlice'] as const;
  private readonly services = new ServiceIndex();

  keysFor(change: CachedChange): string[] {
    if (change.kind !== 'EndpointSlice') return this.services.keysFor(change);
    const slice = (change.after ?? change.before)!;
    const service = slice.metadata.labels?.[SERVICE_NAME_LABEL];
    return service && slice.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY ? [`${slice.metadata.namespace ?? ''}/${service}`] : [];
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const service = ctx.cache.get('Service', namespace, name);
    const selector = service && selectorOf(service);
    const current = ctx.cache
      .list('EndpointSlice', namespace)
      .filter((s) => s.metadata.labels?.[SERVICE_NAME_LABEL] === name && s.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY);
    if (!service || !selector) {
      this.services.remove(namespace ?? '', name);
      for (const slice of current) await this.remove(slice, ctx);
      return;
    }
    this.services.put(service);

    const pods = ctx.cache.list('Pod', namespace).filter((p) => matchesLabels(selector, p.metadata.labels));
    const desired = endpointSlicesFor(service, pods);
    const labels = { ...service.metadata.labels, [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: MANAGED_BY };
    const owner = { apiVersion: 'v1', kind: 'Service', name, uid: service.metadata.uid!, controller: true, blockOwnerDeletion: true };
    for (const want of desired) {
      const existing = current.find((s) => s.metadata.name === want.name);
      if (existing && sameJson(existing.endpoints ?? [], want.endpoints) && sameJson(existing.ports ?? [], want.ports) && sameJson(existing.metadata.labels ?? {}, labels)) continue;
      const slice: KubeObject = {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { ...(existing?.metadata ?? { name: want.name, namespace }), labels, ownerReferences: [owner] },
        addressType: 'IPv4',
        endpoints: want.endpoints,
        ...(want.ports.length > 0 ? { ports: want.ports } : {}),
      };
      if (existing) await ctx.client.update(slice, ctx.cause);
      else await ctx.client.create(slice, ctx.cause).catch((err: unknown) => {
        // Written by an earlier attempt the cache has not shown yet: the next event reconciles it.
        if (!(err instanceof ClientError && err.reason === 'AlreadyExists')) throw err;
      });
    }
    for (const slice of current) if (!desired.some((d) => d.name === slice.metadata.name)) await this.remove(slice, ctx);
  }

  private async remove(slice: KubeObject, ctx: ReconcileContext): Promise<void> {
    await ignoreNotFound(ctx.client.delete('EndpointSlice', slice.metadata.namespace, slice.metadata.name!, { ...ctx.cause, preconditions: { uid: slice.metadata.uid } }));
  }
}
