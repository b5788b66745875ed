import { ApiError } from './api-error';

/**
 * Label selectors in both of their Kubernetes shapes: the query-string form
 * (`app=web,tier in (a,b),!legacy`) and the `{matchLabels, matchExpressions}` object of
 * Deployment/ReplicaSet/Job specs. Both parse to one list of ANDed requirements.
 */
export type LabelOperator = '=' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

export interface LabelSelector {
  requirements: LabelRequirement[];
  /** A nil spec selector selects nothing (Kubernetes' labels.Nothing()), unlike an empty one. */
  matchesNothing?: boolean;
}

export interface LabelSelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why `key` is not a qualified name (`[prefix/]name`), or undefined when it is one. */
export function qualifiedNameError(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return "a qualified name must consist of alphanumeric characters, '-', '_' or '.', with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";
  const name = parts[parts.length - 1];
  if (parts.length === 2) {
    const prefix = parts[0];
    if (prefix.length === 0) return 'prefix part must be non-empty';
    if (prefix.length > 253) return 'prefix part must be no more than 253 characters';
    if (!DNS_SUBDOMAIN.test(prefix)) return "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
  }
  if (name.length === 0) return 'name part must be non-empty';
  if (name.length > 63) return 'name part must be no more than 63 characters';
  if (!NAME.test(name)) return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
  return undefined;
}

/** Why `value` is not a valid label value, or undefined when it is one (empty is valid). */
export function labelValueError(value: string): string | undefined {
  if (value.length > 63) return 'must be no more than 63 characters';
  if (value !== '' && !NAME.test(value)) return "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
  return undefined;
}

function requirement(key: string, operator: LabelOperator, values: string[], source: string): LabelRequirement {
  const fail = (why: string) => ApiError.badRequest(`unable to parse requirement: ${why} (in label selector "${source}")`);
  const keyError = qualifiedNameError(key);
  if (keyError) throw fail(`key "${key}": ${keyError}`);
  if ((operator === 'in' || operator === 'notin') && values.length === 0) throw fail(`for 'in', 'notin' operators, values set can't be empty`);
  for (const v of values) {
    const e = labelValueError(v);
    if (e) throw fail(`value "${v}" for key "${key}": ${e}`);
    if ((operator === 'gt' || operator === 'lt') && !/^-?\d+$/.test(v)) throw fail(`for 'Gt', 'Lt' operators, the value must be an integer`);
  }
  return { key, operator, values: [...new Set(values)].sort() };
}

type Token = { kind: 'id' | 'op' | '(' | ')' | ','; text: string };
const TOKEN = /\s*(!=|==|=|!|<|>|\(|\)|,|[^\s!=<>(),]+)/y;

function tokenize(s: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < s.length) {
    const start = TOKEN.lastIndex;
    const m = TOKEN.exec(s);
    if (!m) {
      if (s.slice(start).trim() === '') break;
      throw ApiError.badRequest(`unable to parse label selector "${s}" at position ${start}`);
    }
    const t = m[1];
    if (t === '(' || t === ')' || t === ',') tokens.push({ kind: t, text: t });
    else if (['!=', '==', '=', '!', '<', '>'].includes(t)) tokens.push({ kind: 'op', text: t });
    else tokens.push({ kind: 'id', text: t });
  }
  return tokens;
}

/** Parses the query-string form. `""` selects everything. Malformed input is a 400. */
export function parseLabelSelector(s: string): LabelSelector {
  const tokens = tokenize(s);
  const requirements: LabelRequirement[] = [];
  let i = 0;
  const fail = (why: string) => ApiError.badRequest(`unable to parse label selector "${s}": ${why}`);
  const next = () => tokens[i++];
  const expectId = (what: string) => {
    const t = next();
    if (!t || t.kind !== 'id') throw fail(`expected ${what}, found ${t ? `"${t.text}"` : 'end of selector'}`);
    return t.text;
  };
  while (i < tokens.length) {
    const first = next();
    if (first.kind === 'op' && first.text === '!') {
      requirements.push(requirement(expectId('a key after "!"'), '!', [], s));
    } else if (first.kind === 'id') {
      const key = first.text;
      const t = tokens[i];
      if (!t || t.kind === ',') {
        requirements.push(requirement(key, 'exists', [], s));
      } else if (t.kind === 'op' && t.text !== '!') {
        i++;
        const op: LabelOperator = t.text === '!=' ? '!=' : t.text === '<' ? 'lt' : t.text === '>' ? 'gt' : '=';
        const value = tokens[i]?.kind === 'id' ? next().text : '';
        requirements.push(requirement(key, op, [value], s));
      } else if (t.kind === 'id' && (t.text === 'in' || t.text === 'notin')) {
        i++;
        if (next()?.kind !== '(') throw fail(`expected "(" after "${t.text}"`);
        const values: string[] = [];
        for (;;) {
          const v = next();
          if (!v) throw fail('missing ")"');
          if (v.kind === ')') break;
          if (v.kind === ',') continue;
          if (v.kind !== 'id') throw fail(`unexpected "${v.text}" in value list`);
          values.push(v.text);
        }
        requirements.push(requirement(key, t.text, values, s));
      } else {
        throw fail(`unexpected "${t.text}" after key "${key}"`);
      }
    } else {
      throw fail(`unexpected "${first.text}"`);
    }
    const sep = next();
    if (sep && sep.kind !== ',') throw fail(`expected "," but found "${sep.text}"`);
    if (sep && i >= tokens.length) throw fail('trailing ","');
  }
  return { requirements: sortByKey(requirements) };
}

/** `{matchLabels, matchExpressions}` → selector; `undefined` selects nothing, `{}` everything. */
export function labelSelectorFromSpec(spec: LabelSelectorSpec | undefined | null): LabelSelector {
  if (spec === undefined || spec === null) return { requirements: [], matchesNothing: true };
  const source = JSON.stringify(spec);
  const reqs: LabelRequirement[] = Object.entries(spec.matchLabels ?? {}).map(([k, v]) => requirement(k, '=', [v], source));
  const ops: Record<string, LabelOperator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };
  for (const e of spec.matchExpressions ?? []) {
    const op = ops[e.operator];
    if (!op) throw ApiError.badRequest(`"${e.operator}" is not a valid label selector operator`);
    const values = e.values ?? [];
    if ((op === 'exists' || op === '!') && values.length > 0) {
      throw ApiError.badRequest(`values: Invalid value: ${JSON.stringify(values)}: may not be specified when \`operator\` is 'Exists' or 'DoesNotExist'`);
    }
    reqs.push(requirement(e.key, op, values, source));
  }
  return { requirements: sortByKey(reqs) };
}

function sortByKey(reqs: LabelRequirement[]): LabelRequirement[] {
  return [...reqs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export function matchesLabels(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  if (sel.matchesNothing) return false;
  const l = labels ?? {};
  return sel.requirements.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.operator) {
      case '=':
      case 'in':
        return has && r.values.includes(v);
      case '!=':
      case 'notin':
        return !has || !r.values.includes(v);
      case 'exists':
        return has;
      case '!':
        return !has;
      case 'gt':
      case 'lt': {
        if (!has || !/^-?\d+$/.test(v)) return false;
        return r.operator === 'gt' ? Number(v) > Number(r.values[0]) : Number(v) < Number(r.values[0]);
      }
    }
  });
}

/** The canonical string form (as in Scale `status.selector`), requirements sorted by key. */
export function labelSelectorToString(sel: LabelSelector | LabelSelectorSpec): string {
  const parsed = 'requirements' in sel ? (sel as LabelSelector) : labelSelectorFromSpec(sel as LabelSelectorSpec);
  return parsed.requirements
    .map((r) => {
      switch (r.operator) {
        case '=':
        case '!=':
          return `${r.key}${r.operator}${r.values[0]}`;
        case 'in':
        case 'notin':
          return `${r.key} ${r.operator} (${r.values.join(',')})`;
        case 'exists':
          return r.key;
        case '!':
          return `!${r.key}`;
        case 'gt':
          return `${r.key}>${r.values[0]}`;
        case 'lt':
          return `${r.key}<${r.values[0]}`;
      }
    })
    .join(',');
}
