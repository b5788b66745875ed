import { ApiError } from './api-error';

/**
 * Strategic merge patch as kube-apiserver applies it for the built-in kinds we serve.
 * kubectl apply/edit/rollout-restart send this; a plain JSON merge patch would replace whole
 * lists (dropping container `ports` on an image change), which is why this exists.
 */
type Json = unknown;
type JsonMap = Record<string, Json>;

/** How a list is merged: by a key in each element, as a set of primitives, or replaced. */
export type ListStrategy = { mergeKey: string } | { primitiveUnion: true } | undefined;

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);
const KEY_BY_FIELD: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  imagePullSecrets: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
  conditions: 'type',
};

/**
 * The patch strategy of the list at `path` (field names from the object root, list indices
 * omitted), from the k8s.io/api struct tags. `ports` is the one field whose key depends on
 * where it sits: containerPort under a container, port under a Service spec.
 */
export function listStrategyAt(path: readonly string[]): ListStrategy {
  const field = path[path.length - 1];
  const parent = path[path.length - 2];
  const joined = path.join('.');
  if (field === 'ports') {
    if (parent !== undefined && CONTAINER_LISTS.has(parent)) return { mergeKey: 'containerPort' };
    if (joined === 'spec.ports') return { mergeKey: 'port' };
    return undefined;
  }
  if (joined === 'metadata.ownerReferences') return { mergeKey: 'uid' };
  if (joined === 'metadata.finalizers') return { primitiveUnion: true };
  if (joined === 'status.addresses') return { mergeKey: 'type' };
  const key = KEY_BY_FIELD[field];
  return key ? { mergeKey: key } : undefined;
}

const isMap = (v: Json): v is JsonMap => typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => (v === undefined ? v : structuredClone(v));
const ORDER = '$setElementOrder/';
const DELETE_FROM = '$deleteFromPrimitiveList/';

/** Applies `patch` to `original` and returns a new object; neither input is mutated. */
export function applyStrategicMergePatch(original: object, patch: object): object {
  if (!isMap(patch)) throw ApiError.badRequest('strategic merge patch must be a JSON object');
  const merged = mergeMap(isMap(original) ? original : {}, patch, []);
  return merged ?? {};
}

/** Returns undefined when the patch deletes the whole map (`$patch: delete`). */
function mergeMap(original: JsonMap, patch: JsonMap, path: string[]): JsonMap | undefined {
  const directive = patch.$patch;
  if (directive === 'delete') return undefined;
  if (directive === 'replace') return stripDirectives(patch, path);
  if (directive !== undefined && directive !== 'merge') {
    throw ApiError.badRequest(`Unknown patch type: ${JSON.stringify(directive)} in map at ${path.join('.') || '<root>'}`);
  }
  const out: JsonMap = {};
  for (const [k, v] of Object.entries(original)) out[k] = clone(v);

  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys' || key.startsWith(ORDER) || key.startsWith(DELETE_FROM)) continue;
    const childPath = [...path, key];
    if (value === null) {
      delete out[key];
    } else if (isMap(value)) {
      const merged = mergeMap(isMap(out[key]) ? (out[key] as JsonMap) : {}, value, childPath);
      if (merged === undefined) delete out[key];
      else out[key] = merged;
    } else if (Array.isArray(value)) {
      out[key] = mergeList(Array.isArray(out[key]) ? (out[key] as Json[]) : [], value, childPath);
    } else {
      out[key] = value;
    }
  }

  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith(DELETE_FROM)) {
      const field = key.slice(DELETE_FROM.length);
      if (!Array.isArray(value)) throw ApiError.badRequest(`${key} must be a list`);
      if (Array.isArray(out[field])) {
        out[field] = (out[field] as Json[]).filter((item) => !value.some((d) => sameValue(d, item)));
      }
    }
  }
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith(ORDER)) {
      const field = key.slice(ORDER.length);
      if (!Array.isArray(value)) throw ApiError.badRequest(`${key} must be a list`);
      if (Array.isArray(out[field])) out[field] = reorder(out[field] as Json[], value, listStrategyAt([...path, field]));
    }
  }
  const retain = patch.$retainKeys;
  if (retain !== undefined) {
    if (!Array.isArray(retain)) throw ApiError.badRequest('$retainKeys must be a list of field names');
    for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  }
  return out;
}

function mergeList(original: Json[], patch: Json[], path: string[]): Json[] {
  const strategy = listStrategyAt(path);
  if (strategy === undefined) return patch.map((v) => (isMap(v) ? (stripDirectives(v, path) ?? {}) : clone(v)));
  if ('primitiveUnion' in strategy) {
    const out = original.map(clone);
    for (const v of patch) if (!out.some((o) => sameValue(o, v))) out.push(clone(v));
    return out;
  }
  const key = strategy.mergeKey;
  if (patch.some((v) => isMap(v) && v.$patch === 'replace')) {
    return patch.filter((v) => !(isMap(v) && v.$patch === 'replace')).map((v) => (isMap(v) ? stripDirectives(v, path) ?? {} : clone(v)));
  }
  const out = original.map(clone);
  for (const item of patch) {
    if (!isMap(item)) throw ApiError.badRequest(`${path.join('.')}: list element must be an object with merge key "${key}"`);
    if (!(key in item)) {
      throw ApiError.badRequest(`map: ${JSON.stringify(item)} does not contain declared merge key: ${key}`);
    }
    const index = out.findIndex((o) => isMap(o) && sameValue(o[key], item[key]));
    if (item.$patch === 'delete') {
      if (index >= 0) removeAll(out, key, item[key]);
      continue;
    }
    if (index >= 0) {
      const merged = mergeMap(out[index] as JsonMap, item, path);
      if (merged === undefined) out.splice(index, 1);
      else out[index] = merged;
    } else {
      const created = mergeMap({}, item, path);
      if (created !== undefined) out.push(created);
    }
  }
  return out;
}

function removeAll(list: Json[], key: string, value: Json): void {
  for (let i = list.length - 1; i >= 0; i--) {
    const o = list[i];
    if (isMap(o) && sameValue(o[key], value)) list.splice(i, 1);
  }
}

/**
 * `$setElementOrder` lists the patch author's order; elements it does not mention (added by
 * the server or other writers) keep their relative order after the mentioned ones.
 */
function reorder(list: Json[], order: Json[], strategy: ListStrategy): Json[] {
  const identity = (v: Json): Json =>
    strategy && 'mergeKey' in strategy && isMap(v) ? v[strategy.mergeKey] : v;
  const rest = [...list];
  const out: Json[] = [];
  for (const o of order) {
    const id = identity(o);
    const i = rest.findIndex((v) => sameValue(identity(v), id));
    if (i >= 0) out.push(...rest.splice(i, 1));
  }
  return [...out, ...rest];
}

/** A patch value with nothing to merge into: drop nulls and directives, keep the data. */
function stripDirectives(map: JsonMap, path: string[]): JsonMap {
  const { $patch: _directive, ...rest } = map;
  return mergeMap({}, rest, path) ?? {};
}

function sameValue(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
