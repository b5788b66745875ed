import { ApiError, type KubeObject } from '@logbook/kube';
import type { ClusterState } from '@logbook/projections';
import type { AdmissionRequest, ValidatingAdmission } from '../admission/admission';
import type { User } from '../identity/token-file';
import { MASTERS_GROUP } from './bootstrap-policy';
import { RbacAuthorizer, rulesOf } from './rbac-authorizer';
import { type PolicyRule, rulesCover } from './rbac-rules';

const RBAC = 'rbac.authorization.k8s.io';
const ROLE_KINDS = new Set(['Role', 'ClusterRole']);
const BINDING_KINDS = new Set(['RoleBinding', 'ClusterRoleBinding']);

/**
 * kube's RBAC escalation prevention (its rbac registry's policy-based storage), as a validating
 * step so every client's writes pass it: a Role or ClusterRole may only hold rules its writer
 * already holds where it applies, unless the writer may `escalate` it; a binding may only refer
 * to a role whose rules its writer holds, unless the writer may `bind` that role. Members of
 * system:masters (the admin, the API server itself) are exempt, as in kube.
 */
export const RBAC_ESCALATION: ValidatingAdmission = {
  name: 'RBACEscalation',
  validate(request: AdmissionRequest, state: ClusterState): void {
    const { operation, object } = request;
    const kind = request.resource.kind;
    if ((operation !== 'CREATE' && operation !== 'UPDATE') || !object || request.resource.group !== RBAC) return;
    if (!ROLE_KINDS.has(kind) && !BINDING_KINDS.has(kind)) return;
    if (request.user.groups.includes(MASTERS_GROUP)) return;
    // RBAC writes are rare: a fresh authorizer over this state (its index is built on first use).
    const rbac = new RbacAuthorizer(() => state);
    const namespace = kind === 'Role' || kind === 'RoleBinding' ? request.namespace : undefined;
    const may = (verb: string, resource: string, name: string) =>
      rbac.authorize({ user: request.user, verb, resourceRequest: true, apiGroup: RBAC, resource, name, ...(namespace ? { namespace } : {}) }).allowed;

    if (ROLE_KINDS.has(kind)) {
      const plural = kind === 'Role' ? 'roles' : 'clusterroles';
      if (may('escalate', plural, request.name)) return;
      if ((object as { aggregationRule?: unknown }).aggregationRule && !sameAggregation(object, request.oldObject)) {
        throw ApiError.forbidden(`${plural}.${RBAC} ${JSON.stringify(request.name)} is forbidden: must have cluster-admin privileges to use the aggregationRule`);
      }
      refuseMissing(request, plural, rulesCover(rbac.rulesFor(request.user, namespace), rulesOf(object)));
      return;
    }
    const ref = (object as { roleRef?: { kind?: string; name?: string } }).roleRef ?? {};
    const refPlural = ref.kind === 'Role' ? 'roles' : 'clusterroles';
    if (ref.name && may('bind', refPlural, ref.name)) return;
    const role = ref.kind === 'Role' ? state.get('Role', namespace, ref.name ?? '') : ref.kind === 'ClusterRole' ? state.get('ClusterRole', undefined, ref.name ?? '') : undefined;
    refuseMissing(request, kind === 'RoleBinding' ? 'rolebindings' : 'clusterrolebindings', rulesCover(rbac.rulesFor(request.user, namespace), rulesOf(role)));
  },
};

function sameAggregation(object: KubeObject, old: KubeObject | undefined): boolean {
  return JSON.stringify((object as { aggregationRule?: unknown }).aggregationRule) === JSON.stringify((old as { aggregationRule?: unknown } | undefined)?.aggregationRule);
}

/** kube's wording: `user "alice" (groups=["dev" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:` and the rules. */
function refuseMissing(request: AdmissionRequest, plural: string, missing: PolicyRule[]): void {
  if (missing.length === 0) return;
  const scope = request.namespace && (plural === 'roles' || plural === 'rolebindings') ? ` in namespace ${JSON.stringify(request.namespace)}` : '';
  throw ApiError.forbidden(`${plural}.${RBAC} ${JSON.stringify(request.name)} is forbidden: ${describeUser(request.user)} is attempting to grant RBAC permissions not currently held${scope}:\n${missing.map(describeRule).join('\n')}`);
}

function describeUser(user: User): string {
  return `user ${JSON.stringify(user.name)} (groups=[${user.groups.map((g) => JSON.stringify(g)).join(' ')}])`;
}

function describeRule(rule: PolicyRule): string {
  const list = (values: readonly string[]) => `[${values.map((v) => JSON.stringify(v)).join(' ')}]`;
  const parts: string[] = [];
  if (rule.apiGroups?.length) parts.push(`APIGroups:${list(rule.apiGroups)}`);
  if (rule.resources?.length) parts.push(`Resources:${list(rule.resources)}`);
  if (rule.resourceNames?.length) parts.push(`ResourceNames:${list(rule.resourceNames)}`);
  if (rule.nonResourceURLs?.length) parts.push(`NonResourceURLs:${list(rule.nonResourceURLs)}`);
  parts.push(`Verbs:${list(rule.verbs)}`);
  return `{${parts.join(', ')}}`;
}
