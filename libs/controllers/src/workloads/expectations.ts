import type { ObjectCache } from '@logbook/components';

interface Pending {
  readonly adds: Set<string>;
  readonly deletes: Set<string>;
  at: number;
}

/**
 * kube's ControllerExpectations: after creating or deleting pods, a controller waits until its
 * cache has seen them before counting again — pods and their owners arrive on different topics,
 * so an owner's change can overtake its pods' creations and, without this, cause duplicates.
 * Expectations expire (5 minutes, as in kube) so a lost event cannot wedge a controller.
 */
export class PodExpectations {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly ttlMs = 5 * 60_000) {}

  expectCreated(key: string, podName: string, nowMs: number): void {
    this.entry(key, nowMs).adds.add(podName);
  }

  expectDeleted(key: string, podName: string, nowMs: number): void {
    this.entry(key, nowMs).deletes.add(podName);
  }

  /** A pod appeared or changed in the cache. */
  observed(key: string, podName: string): void {
    this.pending.get(key)?.adds.delete(podName);
  }

  /** True when every expected create is in the cache and every expected delete gone from it. */
  satisfied(key: string, namespace: string | undefined, cache: ObjectCache, nowMs: number): boolean {
    const p = this.pending.get(key);
    if (!p) return true;
    for (const name of p.adds) if (cache.get('Pod', namespace, name)) p.adds.delete(name);
    for (const name of p.deletes) {
      const pod = cache.get('Pod', namespace, name);
      if (!pod || pod.metadata.deletionTimestamp) p.deletes.delete(name);
    }
    if ((p.adds.size === 0 && p.deletes.size === 0) || nowMs - p.at > this.ttlMs) {
      this.pending.delete(key);
      return true;
    }
    return false;
  }

  forget(key: string): void {
    this.pending.delete(key);
  }

  private entry(key: string, nowMs: number): Pending {
    let p = this.pending.get(key);
    if (!p) this.pending.set(key, (p = { adds: new Set(), deletes: new Set(), at: nowMs }));
    p.at = nowMs;
    return p;
  }
}
