import type { KubeObject } from '@logbook/kube';
import type { ClusterState } from '@logbook/projections';
import type { User } from '../identity/token-file';
import type { Authorizer, Decision, RequestAttributes } from './authorizer';
import { BindingIndex, type IndexedBinding } from './rbac-index';
import { type PolicyRule, describeSubject, ruleAllows } from './rbac-rules';

const NO_OPINION: Decision = { allowed: false, decided: false, reason: '' };

/**
 * kube's RBAC authorizer over the projection: ClusterRoleBindings first, then the RoleBindings
 * of the request's namespace; the first rule that allows wins and names itself in the reason.
 * A denial is "no opinion" (RBAC never denies outright), so the chain's 403 has no reason.
 */
export class RbacAuthorizer implements Authorizer {
  constructor(
    private readonly state: () => ClusterState,
    private readonly index = new BindingIndex(state),
  ) {}

  /** Feed every applied event's stream (Projector.onApplied), so the binding index follows the log. */
  changed(stream: string): void {
    this.index.changed(stream);
  }

  authorize(attrs: RequestAttributes): Decision {
    let reason: string | undefined;
    this.visitRules(attrs.user, attrs.namespace, (rule, source) => {
      if (!ruleAllows(attrs, rule)) return false;
      reason = `RBAC: allowed by ${source()}`;
      return true;
    });
    return reason === undefined ? NO_OPINION : { allowed: true, decided: true, reason };
  }

  /** Every rule that applies to the user in the namespace (cluster-wide ones included): SelfSubjectRulesReview, escalation checks. */
  rulesFor(user: User, namespace?: string): PolicyRule[] {
    const rules: PolicyRule[] = [];
    this.visitRules(user, namespace, (rule) => {
      rules.push(rule);
      return false;
    });
    return rules;
  }

  /** Calls `visit` for each rule of each binding of the user until it returns true. */
  private visitRules(user: User, namespace: string | undefined, visit: (rule: PolicyRule, source: () => string) => boolean): void {
    const state = this.state();
    for (const entry of this.index.clusterBindingsOf(user)) {
      const ref = roleRef(entry.binding);
      if (ref?.kind !== 'ClusterRole') continue;
      const rules = rulesOf(state.get('ClusterRole', undefined, ref.name));
      for (const rule of rules) if (visit(rule, () => describe('ClusterRoleBinding', entry, ref, entry.binding.metadata.name!))) return;
    }
    if (!namespace) return;
    for (const entry of this.index.roleBindingsOf(user, namespace)) {
      const ref = roleRef(entry.binding);
      if (!ref) continue;
      const role = ref.kind === 'ClusterRole' ? state.get('ClusterRole', undefined, ref.name) : ref.kind === 'Role' ? state.get('Role', namespace, ref.name) : undefined;
      for (const rule of rulesOf(role)) if (visit(rule, () => describe('RoleBinding', entry, ref, `${entry.binding.metadata.name}/${namespace}`))) return;
    }
  }
}

interface RoleRef {
  readonly kind: string;
  readonly name: string;
}

function roleRef(binding: KubeObject): RoleRef | undefined {
  const ref = (binding as { roleRef?: RoleRef }).roleRef;
  return ref && typeof ref.kind === 'string' && typeof ref.name === 'string' ? ref : undefined;
}

export function rulesOf(role: KubeObject | undefined): readonly PolicyRule[] {
  const rules = (role as { rules?: unknown } | undefined)?.rules;
  return Array.isArray(rules) ? (rules as PolicyRule[]).filter((r) => r && Array.isArray(r.verbs)) : [];
}

function describe(kind: string, entry: IndexedBinding, ref: RoleRef, name: string): string {
  return `${kind} ${JSON.stringify(name)} of ${ref.kind} ${JSON.stringify(ref.name)} to ${describeSubject(entry.subject, entry.binding.metadata.namespace)}`;
}
