import type { KubeObject } from '@logbook/kube';
import type { MutatingAdmission } from '../admission';

const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';

/**
 * kube-apiserver's DefaultIngressClass admission: an Ingress created without
 * `spec.ingressClassName` (nor the legacy `kubernetes.io/ingress.class` annotation) gets the
 * IngressClass marked `is-default-class: "true"`; with several, the newest (as Kubernetes 1.28+).
 * Returns the object to store (the input when nothing applies); pure.
 */
export function withDefaultIngressClass(ingress: KubeObject, classes: readonly KubeObject[]): KubeObject {
  if (ingress.spec?.ingressClassName || ingress.metadata.annotations?.['kubernetes.io/ingress.class']) return ingress;
  const defaults = classes
    .filter((c) => c.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true' && !c.metadata.deletionTimestamp)
    .sort((a, b) => String(b.metadata.creationTimestamp ?? '').localeCompare(String(a.metadata.creationTimestamp ?? '')) || String(a.metadata.name).localeCompare(String(b.metadata.name)));
  if (defaults.length === 0) return ingress;
  return { ...ingress, spec: { ...ingress.spec, ingressClassName: defaults[0].metadata.name } };
}

/** kube's DefaultIngressClass admission step, on CREATE. */
export const DEFAULT_INGRESS_CLASS: MutatingAdmission = {
  name: 'DefaultIngressClass',
  admit({ operation, object }, state) {
    if (operation !== 'CREATE' || object?.kind !== 'Ingress') return undefined;
    return withDefaultIngressClass(object, state.list('IngressClass', {}));
  },
};
