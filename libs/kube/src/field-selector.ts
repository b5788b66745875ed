import { ApiError } from './api-error';
import type { KubeObject } from './object';

/**
 * Field selectors, with the per-kind field sets kube-apiserver supports (its
 * `*ToSelectableFields` functions). Unset fields read as the empty string, so
 * `spec.nodeName=` finds unscheduled pods, as it does in Kubernetes.
 */
export interface FieldRequirement {
  field: string;
  operator: '=' | '!=';
  value: string;
}

export interface FieldSelector {
  requirements: FieldRequirement[];
  matches(obj: KubeObject): boolean;
}

type Extractor = (o: KubeObject) => unknown;

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

const COMMON: Record<string, Extractor> = {
  'metadata.name': (o) => o.metadata?.name,
  'metadata.namespace': (o) => o.metadata?.namespace,
};

const BY_KIND: Record<string, Record<string, Extractor>> = {
  Pod: {
    'spec.nodeName': (o) => o.spec?.nodeName,
    'spec.restartPolicy': (o) => o.spec?.restartPolicy,
    'spec.schedulerName': (o) => o.spec?.schedulerName,
    'spec.serviceAccountName': (o) => o.spec?.serviceAccountName,
    'spec.hostNetwork': (o) => Boolean(o.spec?.hostNetwork),
    'status.phase': (o) => o.status?.phase,
    'status.podIP': (o) => o.status?.podIP,
    'status.nominatedNodeName': (o) => o.status?.nominatedNodeName,
  },
  Event: {
    'involvedObject.kind': (o) => o.involvedObject?.kind,
    'involvedObject.namespace': (o) => o.involvedObject?.namespace,
    'involvedObject.name': (o) => o.involvedObject?.name,
    'involvedObject.uid': (o) => o.involvedObject?.uid,
    'involvedObject.apiVersion': (o) => o.involvedObject?.apiVersion,
    'involvedObject.resourceVersion': (o) => o.involvedObject?.resourceVersion,
    'involvedObject.fieldPath': (o) => o.involvedObject?.fieldPath,
    reason: (o) => o.reason,
    reportingComponent: (o) => o.reportingComponent,
    source: (o) => o.source?.component,
    type: (o) => o.type,
  },
  Node: { 'spec.unschedulable': (o) => Boolean(o.spec?.unschedulable) },
  Secret: { type: (o) => o.type },
  Namespace: { 'status.phase': (o) => o.status?.phase },
  Job: { 'status.successful': (o) => Number(o.status?.succeeded ?? 0) },
  ReplicaSet: { 'status.replicas': (o) => Number(o.status?.replicas ?? 0) },
};

/** The field names `kind` can be selected on. */
export function selectableFields(kind: string): string[] {
  return [...Object.keys(COMMON), ...Object.keys(BY_KIND[kind] ?? {})];
}

/** Splits on unescaped `sep`; `\` escapes `,`, `=`, `!` and itself, as in apimachinery. */
function splitUnescaped(s: string, sep: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && i + 1 < s.length) {
      cur += c + s[++i];
    } else if (c === sep) {
      parts.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  parts.push(cur);
  return parts;
}

/** Values must escape `,`, `=` and `!` (apimachinery's UnescapeValue); anything else is a 400. */
function unescapeValue(v: string, term: string, source: string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (c === '\\') {
      const n = v[++i];
      if (n === undefined || !'\\,=!'.includes(n)) {
        throw ApiError.badRequest(`invalid field selector "${source}": invalid escape sequence in "${term}"`);
      }
      out += n;
    } else if (c === '=' || c === '!' || c === ',') {
      throw ApiError.badRequest(`invalid field selector "${source}": unescaped "${c}" in the value of "${term}"`);
    } else {
      out += c;
    }
  }
  return out;
}

function parseTerm(term: string, source: string): FieldRequirement {
  const m = /^([^\\=!]*)(!=|==|=)(.*)$/.exec(term);
  if (!m || m[1].trim() === '') {
    throw ApiError.badRequest(`invalid field selector "${source}": "${term}" is not of the form <field>=<value>, <field>==<value> or <field>!=<value>`);
  }
  return { field: m[1].trim(), operator: m[2] === '!=' ? '!=' : '=', value: unescapeValue(m[3], term, source) };
}

/** Parses `a=b,c!=d` for `kind`. `""` selects everything. Unknown fields and bad syntax are 400s. */
export function parseFieldSelector(s: string, kind: string): FieldSelector {
  const fields = { ...COMMON, ...(BY_KIND[kind] ?? {}) };
  const requirements = s.trim() === '' ? [] : splitUnescaped(s, ',').map((t) => parseTerm(t, s));
  for (const r of requirements) {
    if (!fields[r.field]) throw ApiError.badRequest(`field label not supported: ${r.field}`);
  }
  const matches = (obj: KubeObject) =>
    requirements.every((r) => (str(fields[r.field](obj)) === r.value) === (r.operator === '='));
  return { requirements, matches };
}

/** The value a selector pins `field` to with `=`, for index lookups (`metadata.name=web`). */
export function fieldEquals(sel: FieldSelector, field: string): string | undefined {
  return sel.requirements.find((r) => r.field === field && r.operator === '=')?.value;
}
