import type { ObjectCache } from '@logbook/components';

interface Expected {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly uid: string;
  readonly create: boolean;
}

/**
 * client-go's ControllerExpectations: after writing children, a controller must not act on a
 * cache that has not seen those writes yet, or it creates the same pods twice (the owner's
 * own status event can overtake the pods' events, since they come from different topics).
 * A key waits until the cache shows every created child and none of the deleted ones, or
 * until `ttlMs` passes (a write whose event was lost must not block the owner forever).
 */
export class Expectations {
  private readonly pending = new Map<string, { items: Expected[]; at: number }>();

  constructor(private readonly ttlMs = 5 * 60_000) {}

  expect(key: string, items: readonly Expected[], nowMs: number): void {
    if (items.length === 0) return;
    const cur = this.pending.get(key);
    this.pending.set(key, { items: [...(cur?.items ?? []), ...items], at: nowMs });
  }

  satisfied(key: string, cache: ObjectCache, nowMs: number): boolean {
    const cur = this.pending.get(key);
    if (!cur) return true;
    const open = cur.items.filter((e) => {
      const seen = cache.get(e.kind, e.namespace, e.name);
      const present = seen?.metadata.uid === e.uid && !seen.metadata.deletionTimestamp;
      return e.create ? !present && !seen : present;
    });
    if (open.length === 0 || nowMs - cur.at > this.ttlMs) {
      this.pending.delete(key);
      return true;
    }
    this.pending.set(key, { items: open, at: cur.at });
    return false;
  }

  forget(key: string): void {
    this.pending.delete(key);
  }
}
