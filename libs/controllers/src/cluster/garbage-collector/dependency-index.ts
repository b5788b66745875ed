import type { CachedChange, ObjectCache } from '@logbook/components';
import type { KubeObject } from '@logbook/kube';

export interface ObjectRef {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

/**
 * Owner uid → the objects whose ownerReferences name it (the garbage collector's graph, without
 * the owners: those are looked up in the cache). keysFor has no cache, so the index is built
 * from the cache at the first reconcile and then kept current from every change the
 * collectors see. One index serves all collectors of one host (one cache).
 */
export class DependencyIndex {
  private readonly byOwner = new Map<string, Map<string, ObjectRef>>();
  private built = false;
  private last?: CachedChange;

  constructor(private readonly kinds: readonly string[]) {}

  ensureBuilt(cache: ObjectCache): void {
    if (this.built) return;
    for (const kind of this.kinds) for (const obj of cache.list(kind)) this.add(obj);
    this.built = true;
  }

  /** Every collector passes each change; the same change object is applied once. */
  observe(change: CachedChange): void {
    if (!this.built || change === this.last) return;
    this.last = change;
    if (change.before) this.remove(change.before);
    if (change.after) this.add(change.after);
  }

  dependentsOf(ownerUid: string | undefined): ObjectRef[] {
    return ownerUid ? [...(this.byOwner.get(ownerUid)?.values() ?? [])] : [];
  }

  private add(obj: KubeObject): void {
    for (const r of obj.metadata.ownerReferences ?? []) {
      let deps = this.byOwner.get(r.uid);
      if (!deps) this.byOwner.set(r.uid, (deps = new Map()));
      deps.set(id(obj), { kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name! });
    }
  }

  private remove(obj: KubeObject): void {
    for (const r of obj.metadata.ownerReferences ?? []) {
      const deps = this.byOwner.get(r.uid);
      deps?.delete(id(obj));
      if (deps?.size === 0) this.byOwner.delete(r.uid);
    }
  }
}

function id(obj: KubeObject): string {
  return `${obj.kind}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
}
