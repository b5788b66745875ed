import { ApiError, type KubeObject } from '@logbook/kube';
import type { ClusterState } from '@logbook/projections';
import type { AdmissionNotes, AdmissionRequest, ValidatingAdmission } from '../admission';
import { type LevelVersion, type NamespacePolicy, describe, evaluate, fullyPrivileged, levelVersionString, policyOf, reasons } from './policy';

/** Pod subresources that cannot change a pod's spec (kube's ignoredPodSubresources). */
const IGNORED_POD_SUBRESOURCES = new Set(['exec', 'attach', 'binding', 'eviction', 'log', 'portforward', 'proxy', 'status']);

/** Where each workload kind keeps its pod template (kube's DefaultPodSpecExtractor). */
function templateOf(obj: KubeObject): { metadata?: any; spec?: any } | undefined {
  switch (obj.kind) {
    case 'PodTemplate':
      return obj.template;
    case 'ReplicationController':
    case 'ReplicaSet':
    case 'Deployment':
    case 'DaemonSet':
    case 'StatefulSet':
    case 'Job':
      return obj.spec?.template;
    case 'CronJob':
      return obj.spec?.jobTemplate?.spec?.template;
    default:
      return undefined;
  }
}

export const AUDIT_VIOLATIONS = 'pod-security.kubernetes.io/audit-violations';
export const ENFORCE_POLICY = 'pod-security.kubernetes.io/enforce-policy';

/**
 * PodSecurity admission (docs/security.md): the Pod Security Standards as chosen by each
 * namespace's `pod-security.kubernetes.io/<mode>[-version]` labels. Pods are refused (enforce),
 * warned about (warn) and annotated in the audit event (audit); workloads with a pod template
 * are only warned about and audited, as in kube, so a Deployment is accepted and its refused
 * pods show up as the ReplicaSet's FailedCreate events.
 */
export class PodSecurityAdmission implements ValidatingAdmission {
  readonly name = 'PodSecurity';

  validate(request: AdmissionRequest, state: ClusterState): AdmissionNotes | void {
    const object = request.object;
    if (!object || (request.operation !== 'CREATE' && request.operation !== 'UPDATE')) return;
    if (object.kind === 'Namespace') return this.validateNamespace(request, object, state);
    if (!request.namespace) return;
    if (object.kind === 'Pod') {
      if (request.subresource && IGNORED_POD_SUBRESOURCES.has(request.subresource)) return;
      if (request.operation === 'UPDATE' && request.oldObject && !significantPodUpdate(object, request.oldObject)) return;
      return this.evaluate(request, state, object.metadata, object.spec, true);
    }
    if (request.subresource) return;
    const template = templateOf(object);
    if (!template) return;
    return this.evaluate(request, state, template.metadata ?? {}, template.spec, false);
  }

  private evaluate(request: AdmissionRequest, state: ClusterState, meta: any, spec: unknown, enforce: boolean): AdmissionNotes | void {
    const namespace = state.get('Namespace', undefined, request.namespace!);
    const policy = policyOf(namespace?.metadata.labels);
    if (policy.errors.length === 0 && fullyPrivileged(policy)) return;
    const auditAnnotations: Record<string, string> = {};
    const warnings: string[] = [];
    if (enforce) {
      auditAnnotations[ENFORCE_POLICY] = levelVersionString(policy.enforce);
      const failed = evaluate(policy.enforce, meta, spec);
      if (failed.length) {
        const resource = request.resource.group ? `${request.resource.plural}.${request.resource.group}` : request.resource.plural;
        throw new ApiError(403, 'Forbidden', `${resource} "${request.name}" is forbidden: violates PodSecurity "${levelVersionString(policy.enforce)}": ${describe(failed)}`, {
          name: request.name,
          group: request.resource.group,
          kind: request.resource.plural,
        });
      }
    }
    const audit = evaluate(policy.audit, meta, spec);
    if (audit.length) auditAnnotations[AUDIT_VIOLATIONS] = `would violate PodSecurity "${levelVersionString(policy.audit)}": ${describe(audit)}`;
    const warn = evaluate(policy.warn, meta, spec);
    if (warn.length) warnings.push(`would violate PodSecurity "${levelVersionString(policy.warn)}": ${describe(warn)}`);
    return { warnings, auditAnnotations };
  }

  /**
   * Bad labels are refused (422) when they are new; raising a namespace's enforce level warns
   * about the pods already there that the new level would refuse.
   */
  private validateNamespace(request: AdmissionRequest, namespace: KubeObject, state: ClusterState): AdmissionNotes | void {
    if (request.subresource) return;
    const next = policyOf(namespace.metadata.labels);
    const previous = request.operation === 'UPDATE' && request.oldObject ? policyOf(request.oldObject.metadata.labels) : undefined;
    if (next.errors.length && (!previous || next.errors.join('\n') !== previous.errors.join('\n'))) {
      throw ApiError.invalid(
        'Namespace',
        request.name,
        next.errors.map((e) => {
          const [field, message] = splitError(e);
          return { reason: 'FieldValueInvalid', field, message };
        }),
      );
    }
    if (!previous || !raised(previous, next)) return;
    return { warnings: existingPodWarnings(request.name, next.enforce, state) };
  }
}

function splitError(error: string): [string, string] {
  const at = error.indexOf(': ');
  return [error.slice(0, at), error.slice(at + 2)];
}

function raised(previous: NamespacePolicy, next: NamespacePolicy): boolean {
  const a = previous.enforce;
  const b = next.enforce;
  if (a.level === b.level && a.minor === b.minor) return false;
  if (b.level === 'privileged') return false;
  const rank = ['privileged', 'baseline', 'restricted'];
  return !(a.minor === b.minor && rank.indexOf(b.level) <= rank.indexOf(a.level));
}

/** kube's EvaluatePodsInNamespace: one line per distinct violation, named after its first pod. */
export function existingPodWarnings(namespace: string, enforce: LevelVersion, state: ClusterState): string[] {
  const byViolation = new Map<string, { first: string; count: number }>();
  for (const pod of state.list('Pod', { namespace })) {
    const failed = evaluate(enforce, pod.metadata, pod.spec);
    if (!failed.length) continue;
    const key = reasons(failed);
    const seen = byViolation.get(key);
    const name = pod.metadata.name ?? '';
    if (!seen) byViolation.set(key, { first: name, count: 1 });
    else byViolation.set(key, { first: name < seen.first ? name : seen.first, count: seen.count + 1 });
  }
  if (byViolation.size === 0) return [];
  const lines = [...byViolation.entries()].map(([violation, { first, count }]) => {
    const others = count === 1 ? '' : count === 2 ? ' (and 1 other pod)' : ` (and ${count - 1} other pods)`;
    return `${first}${others}: ${violation}`;
  });
  return [`existing pods in namespace "${namespace}" violate the new PodSecurity enforce level "${levelVersionString(enforce)}"`, ...lines.sort()];
}

/** Only images (and added containers) can change on a running pod's spec: other updates are not re-evaluated. */
function significantPodUpdate(pod: KubeObject, old: KubeObject): boolean {
  const list = (o: KubeObject, key: string): any[] => o.spec?.[key] ?? [];
  for (const key of ['containers', 'initContainers']) {
    const now = list(pod, key);
    const before = list(old, key);
    if (now.length !== before.length) return true;
    if (now.some((c, i) => c.image !== before[i].image)) return true;
  }
  const oldEphemeral = new Map(list(old, 'ephemeralContainers').map((c) => [c.name, c]));
  return list(pod, 'ephemeralContainers').some((c) => oldEphemeral.get(c.name)?.image !== c.image);
}
