import { labelValueError, qualifiedNameError } from '../label-selector';
import { Check, duplicate, invalid, Issue, notSupported, required, tooLong } from './rule';

/** Reusable field checks with kube-apiserver's wording (k8s.io/apimachinery validation). */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(([KMGTPE]i)|[numkMGTPE]|[eE][+-]?\d+)?$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const absent = (v: unknown) => v === undefined || v === null;
const isPlainMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const present: Check = (v) => (absent(v) || v === '' ? required() : undefined);
export const nonEmptyList: Check = (v) =>
  absent(v) || (Array.isArray(v) && v.length === 0) ? required() : !Array.isArray(v) ? invalid(v, 'must be a list') : undefined;
export const optionalList: Check = (v) => (absent(v) || Array.isArray(v) ? undefined : invalid(v, 'must be a list'));

export const dnsSubdomain: Check = (v) => {
  if (absent(v)) return undefined;
  if (typeof v !== 'string') return invalid(v, 'must be a string');
  if (v.length > 253) return invalid(v, 'must be no more than 253 characters');
  if (!DNS_SUBDOMAIN.test(v)) {
    return invalid(v, "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
  }
  return undefined;
};

export const dnsLabel: Check = (v) => {
  if (absent(v)) return undefined;
  if (typeof v !== 'string') return invalid(v, 'must be a string');
  if (v.length > 63) return invalid(v, 'must be no more than 63 characters');
  if (!DNS_LABEL.test(v)) {
    return invalid(v, "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
  }
  return undefined;
};

/** Service names: kube-apiserver uses RFC 1035 labels (must start with a letter). */
export const dns1035Label: Check = (v) => {
  if (absent(v)) return undefined;
  if (typeof v !== 'string') return invalid(v, 'must be a string');
  if (v.length > 63) return invalid(v, 'must be no more than 63 characters');
  if (!DNS_1035.test(v)) {
    return invalid(v, "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')");
  }
  return undefined;
};

export const oneOf =
  (allowed: readonly string[]): Check =>
  (v) =>
    absent(v) || allowed.includes(v) ? undefined : notSupported(v, allowed);

export const nonNegativeInt: Check = (v) => {
  if (absent(v)) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) return invalid(v, 'must be an integer');
  return v < 0 ? invalid(v, 'must be greater than or equal to 0') : undefined;
};

export const positiveInt: Check = (v) => {
  if (absent(v)) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) return invalid(v, 'must be an integer');
  return v <= 0 ? invalid(v, 'must be greater than zero') : undefined;
};

export const portNumber: Check = (v) => {
  if (absent(v) || v === 0) return required();
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535 ? undefined : invalid(v, 'must be between 1 and 65535, inclusive');
};

export const optionalPortNumber: Check = (v) => (absent(v) || v === 0 ? undefined : portNumber(v, undefined));

/** An IANA service name (port names): ≤15 chars, lowercase alphanumerics and '-', one letter. */
export const portName: Check = (v) => {
  if (absent(v) || v === '') return undefined;
  if (typeof v !== 'string' || v.length > 15 || !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(v) || !/[a-z]/.test(v) || v.includes('--')) {
    return invalid(v, "must be no more than 15 characters, contain only lowercase alphanumeric characters or '-', contain at least one letter (a-z), and not start or end with '-' or contain '--'");
  }
  return undefined;
};

/** A port given as a number (1..65535) or as a named container port. */
export const intOrPortName: Check = (v) => (absent(v) ? undefined : typeof v === 'number' ? portNumber(v, undefined) : portName(v, undefined));

export const image: Check = (v) => {
  if (absent(v) || v === '') return required();
  if (typeof v !== 'string') return invalid(v, 'must be a string');
  return v.trim() !== v ? invalid(v, 'must not have leading or trailing whitespace') : undefined;
};

export const envName: Check = (v) => {
  if (absent(v) || v === '') return required();
  return typeof v === 'string' && ENV_NAME.test(v)
    ? undefined
    : invalid(v, "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')");
};

export const labels: Check = (v) => {
  if (absent(v)) return undefined;
  if (!isPlainMap(v)) return invalid(v, 'must be a map of strings');
  const issues: Issue[] = [];
  for (const [k, val] of Object.entries(v)) {
    const keyError = qualifiedNameError(k);
    if (keyError) issues.push(invalid(k, keyError));
    else if (typeof val !== 'string') issues.push(invalid(val, 'must be a string'));
    else {
      const valueError = labelValueError(val);
      if (valueError) issues.push(invalid(val, valueError));
    }
  }
  return issues;
};

const ANNOTATIONS_MAX = 256 * 1024;
export const annotations: Check = (v) => {
  if (absent(v)) return undefined;
  if (!isPlainMap(v)) return invalid(v, 'must be a map of strings');
  const issues: Issue[] = [];
  let size = 0;
  for (const [k, val] of Object.entries(v)) {
    const keyError = qualifiedNameError(k.toLowerCase());
    if (keyError) issues.push(invalid(k, keyError));
    if (typeof val !== 'string') issues.push(invalid(val, 'must be a string'));
    size += Buffer.byteLength(k) + Buffer.byteLength(String(val));
  }
  if (size > ANNOTATIONS_MAX) issues.push(tooLong(ANNOTATIONS_MAX, 'bytes'));
  return issues;
};

/** `limits`/`requests`: every value parses as a non-negative quantity; paths like `limits[cpu]`. */
export const quantities: Check = (v) => {
  if (absent(v)) return undefined;
  if (!isPlainMap(v)) return invalid(v, 'must be a map of quantities');
  const issues: Issue[] = [];
  for (const [name, q] of Object.entries(v)) {
    const s = typeof q === 'number' ? String(q) : q;
    if (typeof s !== 'string' || !QUANTITY.test(s)) {
      issues.push(invalid(q, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'", `[${name}]`));
    } else if (s.startsWith('-')) {
      issues.push(invalid(q, 'must be greater than or equal to 0', `[${name}]`));
    }
  }
  return issues;
};

const DATA_MAX = 1024 * 1024;
/** ConfigMap/Secret data maps: config keys, optional base64 values, 1 MiB in total. */
export const dataMap =
  (opts: { base64: boolean }): Check =>
  (v) => {
    if (absent(v)) return undefined;
    if (!isPlainMap(v)) return invalid(v, 'must be a map');
    const issues: Issue[] = [];
    let size = 0;
    for (const [k, val] of Object.entries(v)) {
      if (k.length > 253 || !CONFIG_KEY.test(k)) {
        issues.push(invalid(k, "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')", `[${k}]`));
      } else if (typeof val !== 'string') {
        issues.push(invalid(val, 'must be a string', `[${k}]`));
      } else if (opts.base64 && !BASE64.test(val)) {
        issues.push(invalid(val, 'must be base64-encoded data', `[${k}]`));
      }
      size += typeof val === 'string' ? Buffer.byteLength(val) : 0;
    }
    if (size > DATA_MAX) issues.push(tooLong(DATA_MAX, 'bytes'));
    return issues;
  };

/** Elements of a list must differ in `field` (container names, port names). */
export const uniqueBy =
  (field: string, opts: { skipEmpty?: boolean } = {}): Check =>
  (v) => {
    if (!Array.isArray(v)) return undefined;
    const seen = new Set<unknown>();
    const issues: Issue[] = [];
    v.forEach((item, i) => {
      const key = item?.[field];
      if (key === undefined || (opts.skipEmpty && key === '')) return;
      if (seen.has(key)) issues.push(duplicate(key, `[${i}].${field}`));
      seen.add(key);
    });
    return issues;
  };
