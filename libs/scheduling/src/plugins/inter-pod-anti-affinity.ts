import { type KubeObject, type LabelSelector, labelSelectorFromSpec, matchesLabels } from '@logbook/kube';
import type { FilterPlugin } from '../framework';
import type { NodeInfo } from '../node-info';
import { SUCCESS, unschedulable } from '../status';

export const ERR_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
export const ERR_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
export const HOSTNAME_TOPOLOGY = 'kubernetes.io/hostname';

/**
 * Required anti-affinity terms with the hostname topology. Other topology keys need the pods of
 * every node in the domain, which a per-node filter does not see; they are not enforced yet.
 */
function hostnameTerms(pod: KubeObject): any[] {
  let terms = termsMemo.get(pod);
  if (!terms) termsMemo.set(pod, (terms = computeHostnameTerms(pod)));
  return terms;
}

const termsMemo = new WeakMap<KubeObject, any[]>();
const selectorMemo = new WeakMap<object, LabelSelector>();

function computeHostnameTerms(pod: KubeObject): any[] {
  const terms = pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
  return terms.filter((t: any) => t?.topologyKey === HOSTNAME_TOPOLOGY);
}

/** Whether `term` (declared by `owner`) selects `target`: namespaces default to the owner's own. */
export function termSelects(term: any, owner: KubeObject, target: KubeObject): boolean {
  const namespaces: string[] = term.namespaces?.length ? term.namespaces : [owner.metadata.namespace ?? 'default'];
  if (!namespaces.includes(target.metadata.namespace ?? 'default')) return false;
  let selector = selectorMemo.get(term);
  if (!selector) selectorMemo.set(term, (selector = labelSelectorFromSpec(term.labelSelector)));
  return matchesLabels(selector, target.metadata.labels);
}

const samePod = (a: KubeObject, b: KubeObject) => a.metadata.namespace === b.metadata.namespace && a.metadata.name === b.metadata.name;

/** The anti-affinity reason that keeps the pod off the node: its own terms, then those of the pods there. */
export function antiAffinityViolation(pod: KubeObject, info: NodeInfo): string | undefined {
  const own = hostnameTerms(pod);
  if (own.length > 0) {
    for (const other of info.pods) {
      if (samePod(pod, other)) continue;
      if (own.some((t) => termSelects(t, pod, other))) return ERR_ANTI_AFFINITY;
    }
  }
  for (const other of info.podsWithRequiredAntiAffinity ?? info.pods) {
    if (samePod(pod, other)) continue;
    if (hostnameTerms(other).some((t) => termSelects(t, other, pod))) return ERR_EXISTING_ANTI_AFFINITY;
  }
  return undefined;
}

export const interPodAntiAffinity: FilterPlugin = {
  name: 'InterPodAntiAffinity',
  filter(pod, info) {
    const reason = antiAffinityViolation(pod, info);
    return reason ? unschedulable(reason) : SUCCESS;
  },
};
