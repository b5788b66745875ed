import { type CachedChange, keyOf } from '@logbook/components';
import { type KubeObject, type LabelSelector, labelSelectorFromSpec, matchesLabels } from '@logbook/kube';
import { sameJson } from '../shared/same-json';
import { endpointView } from './endpoint-subsets';

/**
 * The selectors of the Services seen so far, by namespace, so a pod change can be mapped to
 * the Services it concerns without the cache (keysFor has none). Fed by Service changes and
 * by every reconcile, which after a start-up or a rebalance covers every Service.
 */
export class ServiceIndex {
  private readonly byNamespace = new Map<string, Map<string, LabelSelector>>();

  put(service: KubeObject): void {
    const ns = service.metadata.namespace ?? '';
    const selector = selectorOf(service);
    if (!selector) return this.remove(ns, service.metadata.name!);
    let services = this.byNamespace.get(ns);
    if (!services) this.byNamespace.set(ns, (services = new Map()));
    services.set(service.metadata.name!, selector);
  }

  remove(namespace: string, name: string): void {
    this.byNamespace.get(namespace)?.delete(name);
  }

  /**
   * The Service keys a Service or Pod change concerns: a Service itself (indexed on the way);
   * for a pod, the Services selecting it before or after — unless nothing an endpoint shows
   * changed, as for most pod events (creation, scheduling, status noise).
   */
  keysFor(change: CachedChange): string[] {
    const obj = (change.after ?? change.before)!;
    const ns = obj.metadata.namespace ?? '';
    if (change.kind === 'Service') {
      if (change.after) this.put(change.after);
      else this.remove(ns, obj.metadata.name!);
      return [keyOf(obj)];
    }
    if (sameJson(endpointView(change.before), endpointView(change.after))) return [];
    return this.matching(ns, change.before?.metadata.labels, change.after?.metadata.labels).map((name) => `${ns}/${name}`);
  }

  /** Names of the Services in `namespace` that select any of these label sets. */
  matching(namespace: string, ...labelSets: Array<Record<string, string> | undefined>): string[] {
    const out: string[] = [];
    for (const [name, selector] of this.byNamespace.get(namespace) ?? []) {
      if (labelSets.some((labels) => labels !== undefined && matchesLabels(selector, labels))) out.push(name);
    }
    return out;
  }
}

/** A Service's selector; undefined when it has none (its Endpoints are then someone else's). */
export function selectorOf(service: KubeObject): LabelSelector | undefined {
  const selector = service.spec?.selector;
  if (!selector || Object.keys(selector).length === 0) return undefined;
  return labelSelectorFromSpec({ matchLabels: selector });
}
