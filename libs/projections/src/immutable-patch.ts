import type { Operation } from 'fast-json-patch';

/** A patch that cannot be applied to the document it was given (RFC 6902 §5: the whole patch fails). */
export class PatchConflict extends Error {
  readonly code = 'PatchConflict';
  constructor(
    readonly operation: Operation,
    reason: string,
  ) {
    super(`cannot apply ${operation.op} at "${operation.path}": ${reason}`);
    this.name = 'PatchConflict';
  }
}

type Container = Record<string, unknown> | unknown[];

/**
 * Applies RFC 6902 operations without touching `document`: every container on a patched
 * path is shallow-copied once (copy-on-write), everything else is shared with the input.
 *
 * Why not fast-json-patch's `applyPatch(doc, ops, false, false)`: that deep-clones the whole
 * object for every event, which dominated the replay profile (≈1 KB pods, 200k events/s
 * target) and would make every version of an object a full copy. Sharing unchanged subtrees
 * is safe because projected objects are never mutated in place (see evolve.ts).
 */
export function applyPatchImmutable<T>(document: T, operations: readonly Operation[]): T {
  const doc = new CowDocument(document);
  for (const op of operations) doc.apply(op);
  return doc.root as T;
}

/** Sets `path` (an array of keys) to `value` on a copy-on-write copy of `document`. */
export function setIn<T>(document: T, path: readonly string[], value: unknown): T {
  const doc = new CowDocument(document);
  doc.set(path, value);
  return doc.root as T;
}

export class CowDocument {
  /**
   * Containers created by this document: these, and only these, may be mutated. An array, not
   * a Set: a patch touches a handful of containers, and this runs once per event in a replay.
   */
  private readonly fresh: unknown[] = [];

  constructor(public root: unknown) {}

  apply(op: Operation): void {
    const path = parsePointer(op.path, op);
    switch (op.op) {
      case 'add':
        return this.add(path, op.value, op);
      case 'remove':
        this.remove(path, op);
        return;
      case 'replace':
        return this.replace(path, op.value, op);
      case 'move': {
        const from = parsePointer(op.from, op);
        if (isPrefix(from, path) && from.length < path.length) throw new PatchConflict(op, 'cannot move a value into itself');
        const value = this.remove(from, op);
        return this.add(path, value, op);
      }
      case 'copy':
        return this.add(path, structuredClone(this.read(parsePointer(op.from, op), op)), op);
      case 'test':
        if (!deepEqual(this.read(path, op), op.value)) throw new PatchConflict(op, 'test failed');
        return;
      case '_get':
        return;
      default: {
        const unhandled: never = op;
        throw new PatchConflict(unhandled as Operation, 'unknown operation');
      }
    }
  }

  /** Sets a member, creating missing objects on the way (used for server-set metadata). */
  set(path: readonly string[], value: unknown): void {
    if (path.length === 0) {
      this.root = value;
      return;
    }
    let node = this.writableRoot();
    for (let i = 0; i < path.length - 1; i++) {
      const key = path[i];
      const child = (node as Record<string, unknown>)[key];
      let next: Container;
      if (child === null || typeof child !== 'object') {
        next = {};
        this.fresh.push(next);
      } else next = this.writable(child as Container);
      (node as Record<string, unknown>)[key] = next;
      node = next;
    }
    (node as Record<string, unknown>)[path[path.length - 1]] = value;
  }

  private add(path: string[], value: unknown, op: Operation): void {
    if (path.length === 0) {
      this.root = value;
      return;
    }
    const parent = this.writableParent(path, op);
    const key = path[path.length - 1];
    if (Array.isArray(parent)) {
      const index = key === '-' ? parent.length : arrayIndex(key, op);
      if (index > parent.length) throw new PatchConflict(op, `index ${index} is out of bounds`);
      parent.splice(index, 0, value);
    } else parent[key] = value;
  }

  private remove(path: string[], op: Operation): unknown {
    if (path.length === 0) throw new PatchConflict(op, 'cannot remove the whole document');
    const parent = this.writableParent(path, op);
    const key = path[path.length - 1];
    if (Array.isArray(parent)) {
      const index = arrayIndex(key, op);
      if (index >= parent.length) throw new PatchConflict(op, `index ${index} is out of bounds`);
      return parent.splice(index, 1)[0];
    }
    if (!Object.prototype.hasOwnProperty.call(parent, key)) throw new PatchConflict(op, 'no such member');
    const value = parent[key];
    delete parent[key];
    return value;
  }

  private replace(path: string[], value: unknown, op: Operation): void {
    if (path.length === 0) {
      this.root = value;
      return;
    }
    const parent = this.writableParent(path, op);
    const key = path[path.length - 1];
    if (Array.isArray(parent)) {
      const index = arrayIndex(key, op);
      if (index >= parent.length) throw new PatchConflict(op, `index ${index} is out of bounds`);
      parent[index] = value;
    } else parent[key] = value; // lenient like fast-json-patch without validation: replace may add
  }

  private read(path: string[], op: Operation): unknown {
    let node: unknown = this.root;
    for (const key of path) {
      if (node === null || typeof node !== 'object') throw new PatchConflict(op, 'path does not exist');
      if (Array.isArray(node)) node = node[arrayIndex(key, op)];
      else {
        if (!Object.prototype.hasOwnProperty.call(node, key)) throw new PatchConflict(op, 'path does not exist');
        node = (node as Record<string, unknown>)[key];
      }
    }
    return node;
  }

  /** The container holding the last key of `path`, copied (with its ancestors) if not yet fresh. */
  private writableParent(path: string[], op: Operation): Container {
    let node = this.writableRoot(op);
    for (let i = 0; i < path.length - 1; i++) {
      const key = path[i];
      const slot = Array.isArray(node) ? arrayIndex(key, op) : key;
      const child = (node as Record<string | number, unknown>)[slot];
      if (child === null || typeof child !== 'object') throw new PatchConflict(op, `"${path.slice(0, i + 1).join('/')}" is not a container`);
      const copy = this.writable(child as Container);
      (node as Record<string | number, unknown>)[slot] = copy;
      node = copy;
    }
    return node;
  }

  private writableRoot(op?: Operation): Container {
    if (this.root === null || typeof this.root !== 'object') {
      if (op) throw new PatchConflict(op, 'the document is not a container');
      this.root = {};
      this.fresh.push(this.root);
    }
    this.root = this.writable(this.root as Container);
    return this.root as Container;
  }

  private writable(container: Container): Container {
    if (this.fresh.includes(container)) return container;
    const copy = Array.isArray(container) ? container.slice() : { ...container };
    this.fresh.push(copy);
    return copy;
  }
}

function parsePointer(pointer: string, op: Operation): string[] {
  if (pointer === '') return [];
  if (pointer[0] !== '/') throw new PatchConflict(op, `"${pointer}" is not a JSON pointer`);
  const parts = pointer.slice(1).split('/');
  for (let i = 0; i < parts.length; i++) {
    if (parts[i].includes('~')) parts[i] = parts[i].replace(/~1/g, '/').replace(/~0/g, '~');
  }
  return parts;
}

function arrayIndex(key: string, op: Operation): number {
  if (!/^(0|[1-9][0-9]*)$/.test(key)) throw new PatchConflict(op, `"${key}" is not an array index`);
  return Number(key);
}

function isPrefix(prefix: string[], path: string[]): boolean {
  return prefix.every((k, i) => path[i] === k);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
