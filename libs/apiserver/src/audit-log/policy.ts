import type { RequestAttributes } from '../authz/authorizer';
import { parse as parseYaml } from 'yaml';

/** How much of a request an audit event records, in kube's order (each level includes the one before). */
export const AUDIT_LEVELS = ['None', 'Metadata', 'Request', 'RequestResponse'] as const;
export type AuditLevel = (typeof AUDIT_LEVELS)[number];

export const AUDIT_STAGES = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'] as const;
export type AuditStage = (typeof AUDIT_STAGES)[number];

export interface GroupResources {
  /** `""` is the core group. */
  readonly group: string;
  /** `pods`, `pods/status`, `pods/*`, `*\/scale`, `*`; empty: every resource of the group. */
  readonly resources: readonly string[];
  readonly resourceNames: readonly string[];
}

/** One rule of an `audit.k8s.io/v1` Policy; an empty list matches everything. */
export interface AuditPolicyRule {
  readonly level: AuditLevel;
  readonly users: readonly string[];
  readonly userGroups: readonly string[];
  readonly verbs: readonly string[];
  readonly resources: readonly GroupResources[];
  /** `""` matches cluster-scoped resources. */
  readonly namespaces: readonly string[];
  /** `/healthz`, `/apis/logbook.io/*` (a trailing `*` is a prefix match), `*`. */
  readonly nonResourceURLs: readonly string[];
  readonly omitStages: readonly AuditStage[];
  readonly omitManagedFields?: boolean;
}

export interface AuditPolicy {
  readonly rules: readonly AuditPolicyRule[];
  readonly omitStages: readonly AuditStage[];
  readonly omitManagedFields: boolean;
}

/** What the policy needs to know of a request (kube's authorizer attributes). */
export type AuditAttributes = Omit<RequestAttributes, 'user' | 'path'> & {
  /** Undefined when authentication failed: rules naming users or groups do not match. */
  readonly user?: { readonly name: string; readonly groups: readonly string[] };
  readonly path: string;
};

/** The outcome for one request: its level, the stages not to write, and whether to drop managedFields. */
export interface AuditDecision {
  readonly level: AuditLevel;
  readonly omitStages: readonly AuditStage[];
  readonly omitManagedFields: boolean;
}

const NONE: AuditDecision = { level: 'None', omitStages: [], omitManagedFields: false };

/** The first rule that matches decides, as in kube-apiserver; no match is level None. */
export function evaluateAuditPolicy(policy: AuditPolicy, attrs: AuditAttributes): AuditDecision {
  for (const rule of policy.rules) {
    if (!ruleMatches(rule, attrs)) continue;
    return {
      level: rule.level,
      omitStages: rule.omitStages.length ? [...new Set([...policy.omitStages, ...rule.omitStages])] : policy.omitStages,
      omitManagedFields: rule.omitManagedFields ?? policy.omitManagedFields,
    };
  }
  return NONE;
}

function ruleMatches(rule: AuditPolicyRule, attrs: AuditAttributes): boolean {
  if (rule.users.length && (!attrs.user || !rule.users.includes(attrs.user.name))) return false;
  if (rule.userGroups.length && (!attrs.user || !attrs.user.groups.some((g) => rule.userGroups.includes(g)))) return false;
  if (rule.verbs.length && !rule.verbs.includes(attrs.verb)) return false;
  if (rule.namespaces.length || rule.resources.length) return resourceMatches(rule, attrs);
  if (rule.nonResourceURLs.length) return !attrs.resourceRequest && rule.nonResourceURLs.some((spec) => pathMatches(attrs.path, spec));
  return true;
}

function resourceMatches(rule: AuditPolicyRule, attrs: AuditAttributes): boolean {
  if (!attrs.resourceRequest) return false;
  if (rule.namespaces.length && !rule.namespaces.includes(attrs.namespace ?? '')) return false;
  if (!rule.resources.length) return true;
  const resource = attrs.resource ?? '';
  const sub = attrs.subresource ?? '';
  const combined = sub ? `${resource}/${sub}` : resource;
  return rule.resources.some((gr) => {
    if (gr.group !== (attrs.apiGroup ?? '')) return false;
    if (!gr.resources.length) return true;
    if (gr.resourceNames.length && !gr.resourceNames.includes(attrs.name ?? '')) return false;
    return gr.resources.some((r) => r === '*' || r === combined || (sub !== '' && r === `*/${sub}`) || (r.endsWith('/*') && r.slice(0, -2) === resource));
  });
}

function pathMatches(path: string, spec: string): boolean {
  return spec === '*' || spec === path || (spec.endsWith('*') && path.startsWith(spec.slice(0, -1)));
}

/** Compares levels: true when `a` records at least as much as `b`. */
export function levelAtLeast(a: AuditLevel, b: AuditLevel): boolean {
  return AUDIT_LEVELS.indexOf(a) >= AUDIT_LEVELS.indexOf(b);
}

const POLICY_VERSIONS = ['audit.k8s.io/v1', 'audit.k8s.io/v1beta1'];

/**
 * Reads a policy file (YAML or JSON) and checks it as kube-apiserver's validation does, so a
 * policy kube refuses is refused here too, with the field path of each error.
 */
export function parseAuditPolicy(text: string): AuditPolicy {
  let doc: any;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new Error(`audit policy: not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  if (!doc || typeof doc !== 'object') throw new Error('audit policy: the file holds no Policy object');
  const errors: string[] = [];
  if (!POLICY_VERSIONS.includes(doc.apiVersion)) errors.push(`apiVersion: Unsupported value: ${JSON.stringify(doc.apiVersion ?? '')}: supported values: ${POLICY_VERSIONS.map((v) => `"${v}"`).join(', ')}`);
  if (doc.kind !== 'Policy') errors.push(`kind: Unsupported value: ${JSON.stringify(doc.kind ?? '')}: supported values: "Policy"`);
  const omitStages = stages(doc.omitStages, 'omitStages', errors);
  const rawRules = doc.rules ?? [];
  if (!Array.isArray(rawRules)) errors.push('rules: Invalid value: must be a list');
  const rules = (Array.isArray(rawRules) ? rawRules : []).map((r: any, i: number) => rule(r ?? {}, `rules[${i}]`, errors));
  if (errors.length) throw new Error(`invalid audit policy: ${errors.join('; ')}`);
  return { rules, omitStages, omitManagedFields: doc.omitManagedFields === true };
}

function rule(r: any, at: string, errors: string[]): AuditPolicyRule {
  if (r.level === undefined || r.level === '') errors.push(`${at}.level: Required value`);
  else if (!(AUDIT_LEVELS as readonly string[]).includes(r.level)) errors.push(`${at}.level: Unsupported value: ${JSON.stringify(r.level)}: supported values: ${AUDIT_LEVELS.map((l) => `"${l}"`).join(', ')}`);
  const nonResourceURLs = strings(r.nonResourceURLs, `${at}.nonResourceURLs`, errors);
  const resources = (Array.isArray(r.resources) ? r.resources : []).map((gr: any, j: number): GroupResources => {
    const resourceList = strings(gr?.resources, `${at}.resources[${j}].resources`, errors);
    const resourceNames = strings(gr?.resourceNames, `${at}.resources[${j}].resourceNames`, errors);
    const group = gr?.group ?? '';
    // kube: a group name never holds a slash, and names without resources would name nothing.
    if (typeof group !== 'string' || group.includes('/')) errors.push(`${at}.resources[${j}].group: Invalid value: ${JSON.stringify(group)}: may not contain '/'`);
    if (resourceNames.length && !resourceList.length) errors.push(`${at}.resources[${j}].resourceNames: Invalid value: ${JSON.stringify(resourceNames)}: using resourceNames requires at least one resource`);
    for (const res of resourceList) if (res.startsWith('*/') && resourceNames.length) errors.push(`${at}.resources[${j}].resources: Invalid value: "${res}": using resourceNames with a wildcard resource is not allowed`);
    return { group: String(group), resources: resourceList, resourceNames };
  });
  const namespaces = strings(r.namespaces, `${at}.namespaces`, errors);
  if (nonResourceURLs.length && (resources.length || namespaces.length)) errors.push(`${at}.nonResourceURLs: Invalid value: ${JSON.stringify(nonResourceURLs)}: rules cannot apply to both regular resources and non-resource URLs`);
  nonResourceURLs.forEach((u, k) => {
    if (u !== '*' && !u.startsWith('/')) errors.push(`${at}.nonResourceURLs[${k}]: Invalid value: "${u}": non-resource URL rules must begin with a '/' character`);
    if (u.slice(0, -1).includes('*')) errors.push(`${at}.nonResourceURLs[${k}]: Invalid value: "${u}": non-resource URL wildcards '*' must be the final character of the rule`);
  });
  return {
    level: r.level,
    users: strings(r.users, `${at}.users`, errors),
    userGroups: strings(r.userGroups, `${at}.userGroups`, errors),
    verbs: strings(r.verbs, `${at}.verbs`, errors),
    resources,
    namespaces,
    nonResourceURLs,
    omitStages: stages(r.omitStages, `${at}.omitStages`, errors),
    ...(typeof r.omitManagedFields === 'boolean' ? { omitManagedFields: r.omitManagedFields } : {}),
  };
}

function strings(v: unknown, at: string, errors: string[]): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) {
    errors.push(`${at}: Invalid value: must be a list of strings`);
    return [];
  }
  return v;
}

function stages(v: unknown, at: string, errors: string[]): AuditStage[] {
  const list = strings(v, at, errors);
  list.forEach((s, i) => {
    if (!(AUDIT_STAGES as readonly string[]).includes(s)) errors.push(`${at}[${i}]: Unsupported value: "${s}": supported values: ${AUDIT_STAGES.map((x) => `"${x}"`).join(', ')}`);
  });
  return list as AuditStage[];
}
