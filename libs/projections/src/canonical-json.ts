/**
 * JSON with object keys sorted at every level, so two structurally equal objects serialise to
 * the same bytes whatever order their keys were inserted in (a patch adds keys at the end, a
 * Created event carries them in manifest order). The state hash depends on this.
 *
 * Hand-written rather than imported: it is a dozen lines, and the stable-stringify packages in
 * node_modules are only transitive dependencies here. `undefined` members are dropped, as
 * JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      const item = value[i];
      out += item === undefined ? 'null' : canonicalJson(item);
    }
    return out + ']';
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const member = record[key];
    if (member === undefined) continue;
    if (!first) out += ',';
    first = false;
    out += JSON.stringify(key) + ':' + canonicalJson(member);
  }
  return out + '}';
}
