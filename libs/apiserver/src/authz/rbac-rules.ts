import type { RequestAttributes } from './authorizer';

/** rbac.authorization.k8s.io/v1 PolicyRule. */
export interface PolicyRule {
  readonly verbs: readonly string[];
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly resourceNames?: readonly string[];
  readonly nonResourceURLs?: readonly string[];
}

/** rbac.authorization.k8s.io/v1 Subject. */
export interface Subject {
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly apiGroup?: string;
}

/** Every authenticated request is also made by the group `system:authenticated` (kube's authenticators add it). */
export const AUTHENTICATED_GROUP = 'system:authenticated';

const has = (list: readonly string[] | undefined, value: string): boolean => !!list && (list.includes('*') || list.includes(value));

/**
 * kube's RuleAllows: verb, group, `resource[/subresource]` (with `*` and `*∕sub`), resource names
 * (empty means all) for resource requests; verb and URL (exact, `*`, or a `prefix*`) otherwise.
 */
export function ruleAllows(attrs: RequestAttributes, rule: PolicyRule): boolean {
  if (!has(rule.verbs, attrs.verb)) return false;
  if (!attrs.resourceRequest) return nonResourceUrlMatches(rule.nonResourceURLs, attrs.path ?? '');
  if (!has(rule.apiGroups, attrs.apiGroup ?? '')) return false;
  if (!resourceMatches(rule.resources, attrs.resource ?? '', attrs.subresource)) return false;
  return !rule.resourceNames?.length || rule.resourceNames.includes(attrs.name ?? '');
}

export function resourceMatches(ruleResources: readonly string[] | undefined, resource: string, subresource?: string): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  for (const r of ruleResources ?? []) {
    if (r === '*' || r === combined) return true;
    if (subresource && r === `*/${subresource}`) return true;
  }
  return false;
}

export function nonResourceUrlMatches(urls: readonly string[] | undefined, path: string): boolean {
  for (const u of urls ?? []) {
    if (u === '*' || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}

export const serviceAccountUser = (namespace: string, name: string): string => `system:serviceaccount:${namespace}:${name}`;

/** kube's describeSubject, for reasons: `User "alice"`, `ServiceAccount "sa/ns"`. */
export function describeSubject(subject: Subject, bindingNamespace?: string): string {
  if (subject.kind === 'ServiceAccount') return `ServiceAccount ${JSON.stringify(`${subject.name}/${subject.namespace || bindingNamespace || ''}`)}`;
  return `${subject.kind} ${JSON.stringify(subject.name)}`;
}

/**
 * kube's validation.Covers (escalation check): every atomic piece of `rule` (one verb, group,
 * resource, name or URL) is allowed by some owner rule.
 */
export function rulesCover(owner: readonly PolicyRule[], rules: readonly PolicyRule[]): PolicyRule[] {
  const missing: PolicyRule[] = [];
  for (const rule of rules) for (const piece of breakdown(rule)) if (!owner.some((o) => ruleCovers(o, piece))) missing.push(piece);
  return missing;
}

function breakdown(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const verb of rule.verbs) {
    for (const url of rule.nonResourceURLs ?? []) out.push({ verbs: [verb], nonResourceURLs: [url] });
    for (const group of rule.apiGroups ?? []) {
      for (const resource of rule.resources ?? []) {
        if (rule.resourceNames?.length) for (const name of rule.resourceNames) out.push({ verbs: [verb], apiGroups: [group], resources: [resource], resourceNames: [name] });
        else out.push({ verbs: [verb], apiGroups: [group], resources: [resource] });
      }
    }
  }
  return out;
}

function ruleCovers(owner: PolicyRule, piece: PolicyRule): boolean {
  if (!has(owner.verbs, piece.verbs[0])) return false;
  if (piece.nonResourceURLs) return nonResourceUrlMatches(owner.nonResourceURLs, piece.nonResourceURLs[0]);
  if (!has(owner.apiGroups, piece.apiGroups![0])) return false;
  const resource = piece.resources![0];
  const covered = (owner.resources ?? []).some((r) => r === '*' || r === resource || (r.startsWith('*/') && resource.endsWith(r.slice(1))));
  if (!covered) return false;
  if (!owner.resourceNames?.length) return true;
  return !!piece.resourceNames?.length && owner.resourceNames.includes(piece.resourceNames[0]);
}
