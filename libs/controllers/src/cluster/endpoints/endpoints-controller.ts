import { type CachedChange, type Controller, type ReconcileContext, type ReconcileResult, keyOf, splitKey } from '@logbook/components';
import { type KubeObject, matchesLabels } from '@logbook/kube';
import { toSeconds } from '../shared/conditions';
import { ignoreNotFound } from '../shared/ignore-not-found';
import { sameJson } from '../shared/same-json';
import { endpointSubsets } from './endpoint-subsets';
import { ServiceIndex, selectorOf } from './service-index';

/** Set on every Endpoints this controller writes (as Kubernetes does); it marks the ones it manages. */
export const LAST_CHANGE_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';
const HEADLESS_LABEL = 'service.kubernetes.io/headless';

/**
 * The Endpoints controller: for each Service with a selector, an Endpoints object of the same
 * name listing the selected pods' IPs and the Service's ports resolved against each pod.
 * Endpoints of a Service without a selector belong to the user and are left alone, unless this
 * controller wrote them (the selector was removed), in which case they go.
 */
export class EndpointsController implements Controller {
  readonly name = 'endpoints-controller';
  readonly primaryKind = 'Service';
  readonly watches = ['Service', 'Pod', 'Endpoints'] as const;
  private readonly services = new ServiceIndex();

  keysFor(change: CachedChange): string[] {
    if (change.kind === 'Endpoints') return [keyOf((change.after ?? change.before)!)];
    return this.services.keysFor(change);
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const ns = namespace ?? '';
    const service = ctx.cache.get('Service', namespace, name);
    const current = ctx.cache.get('Endpoints', namespace, name);
    const selector = service && selectorOf(service);
    if (!service || !selector) {
      this.services.remove(ns, name);
      if (current && (!service || current.metadata.annotations?.[LAST_CHANGE_TRIGGER_TIME])) {
        await ignoreNotFound(ctx.client.delete('Endpoints', namespace, name, { ...ctx.cause, preconditions: { uid: current.metadata.uid } }));
      }
      return;
    }
    this.services.put(service);

    const pods = ctx.cache.list('Pod', namespace).filter((p) => matchesLabels(selector, p.metadata.labels));
    const subsets = endpointSubsets(service, pods);
    const labels = { ...service.metadata.labels, ...(service.spec?.clusterIP === 'None' ? { [HEADLESS_LABEL]: '' } : {}) };
    if (current && sameJson(current.subsets ?? [], subsets) && sameJson(current.metadata.labels ?? {}, labels)) return;

    const desired: KubeObject = {
      ...(current ?? {}),
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: {
        ...(current?.metadata ?? { name, namespace }),
        labels,
        annotations: { ...current?.metadata.annotations, [LAST_CHANGE_TRIGGER_TIME]: toSeconds(ctx.now()) },
      },
    };
    if (Object.keys(labels).length === 0) delete desired.metadata.labels;
    // No pods: no subsets at all, as Kubernetes writes it (kubectl shows <none>).
    if (subsets.length > 0) desired.subsets = subsets;
    else delete desired.subsets;
    if (current) await ctx.client.update(desired, ctx.cause);
    else await ctx.client.create(desired, ctx.cause);
  }
}
