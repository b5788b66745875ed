import { registerDecorator } from 'class-validator';

/**
 * The one custom class-validator decorator the DTOs use. Each check returns Kubernetes-shaped
 * issues (reason + message, optionally a sub-path below the property such as `[cpu]` or
 * `[1].name`), so a constraint failure carries everything a StatusCause needs. class-validator
 * keeps only a string per constraint, so the issues travel JSON-encoded in that string and
 * are decoded again when the error tree is flattened (see validate-object.ts).
 */
export type Reason =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate'
  | 'FieldValueTooLong'
  | 'FieldValueForbidden';

export interface Issue {
  reason: Reason;
  message: string;
  /** Appended to the property's path: `[cpu]`, `[1].name`, `.metadata.labels`. */
  sub?: string;
}

/** `value` is the property value, `owner` the object holding it (for cross-field rules). */
export type Check = (value: any, owner: any) => Issue | Issue[] | undefined;

export const ISSUES_PREFIX = 'kube-issues:';
let counter = 0;

/** Runs `checks` in order and reports the issues of the first one that fails. */
export function Rule(...checks: Check[]): PropertyDecorator {
  const run = (value: unknown, owner: unknown): Issue[] => {
    for (const check of checks) {
      const r = check(value, owner);
      const list = r === undefined ? [] : Array.isArray(r) ? r : [r];
      if (list.length > 0) return list;
    }
    return [];
  };
  return (target, propertyName) => {
    registerDecorator({
      // Unique names: class-validator keys constraints by name, a shared one would collide.
      name: `kubeRule${counter++}`,
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value, args) => run(value, args?.object).length === 0,
        defaultMessage: (args) => ISSUES_PREFIX + JSON.stringify(run(args?.value, args?.object)),
      },
    });
  };
}

/** Go's `%#v`-ish rendering kube-apiserver uses in `Invalid value: <v>`. */
export function show(v: unknown): string {
  if (v === undefined || v === null) return '""';
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return JSON.stringify(v);
  return JSON.stringify(v);
}

export const required = (sub?: string): Issue => ({ reason: 'FieldValueRequired', message: 'Required value', sub });
export const invalid = (value: unknown, why: string, sub?: string): Issue => ({
  reason: 'FieldValueInvalid',
  message: `Invalid value: ${show(value)}: ${why}`,
  sub,
});
export const notSupported = (value: unknown, supported: readonly string[], sub?: string): Issue => ({
  reason: 'FieldValueNotSupported',
  message: `Unsupported value: ${show(value)}: supported values: ${supported.map((s) => `"${s}"`).join(', ')}`,
  sub,
});
export const duplicate = (value: unknown, sub?: string): Issue => ({
  reason: 'FieldValueDuplicate',
  message: `Duplicate value: ${show(value)}`,
  sub,
});
export const tooLong = (max: number, unit: string, sub?: string): Issue => ({
  reason: 'FieldValueTooLong',
  message: `Too long: must have at most ${max} ${unit}`,
  sub,
});
