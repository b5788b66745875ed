import type { EventStore, SnapshotStore } from '@logbook/eventstore';
import { type ClusterState, stateAt } from '@logbook/projections';

/** Objects kept across every cached past state: ≈ 100–300 MB of heap for pod-sized objects. */
export const DEFAULT_CACHED_OBJECTS = 100_000;
/** Past states kept at most, however small (one-object states would otherwise pile up). */
const MAX_STATES = 256;

interface Cached {
  readonly state: Promise<ClusterState>;
  /** Objects the state holds, once built; 0 while building. */
  objects: number;
}

/**
 * Past states for time-travel reads, by position and scope (see stateAt: `Pod/shop/web-1`,
 * `Pod/shop`, `Pod` or everything). Each is built by `stateAt` from the nearest snapshot's
 * scope plus a fold; the most recently used are kept, so that a client paging or repeating a
 * read pays once, and a state of a wider scope at the same position answers a narrower one.
 * Concurrent reads of one key share one build. Memory is bounded by the objects held
 * (`maxObjects`), whatever the log's length; a state larger than that is served, not kept.
 */
export class StateCache {
  private readonly states = new Map<string, Cached>();
  private held = 0;

  constructor(
    private readonly store: EventStore,
    private readonly snapshots: SnapshotStore | undefined,
    private readonly maxObjects = DEFAULT_CACHED_OBJECTS,
  ) {}

  at(position: number, scope?: string): Promise<ClusterState> {
    for (const wider of widerScopes(scope)) {
      const key = keyOf(position, wider);
      const cached = this.states.get(key);
      if (cached) {
        // Map order is insertion order: re-inserting marks it most recently used.
        this.states.delete(key);
        this.states.set(key, cached);
        return cached.state;
      }
    }
    const key = keyOf(position, scope);
    const entry: Cached = { state: stateAt(this.store, this.snapshots, position, scope), objects: 0 };
    this.states.set(key, entry);
    entry.state.then(
      (state) => this.settle(key, entry, state.count()),
      () => this.forget(key, entry),
    );
    return entry.state;
  }

  /** Cached keys (`position` or `position scope`), least recently used first. */
  get cachedKeys(): string[] {
    return [...this.states.keys()];
  }

  get cachedObjects(): number {
    return this.held;
  }

  private settle(key: string, entry: Cached, objects: number): void {
    if (this.states.get(key) !== entry) return;
    if (objects > this.maxObjects) {
      this.forget(key, entry);
      return;
    }
    entry.objects = objects;
    this.held += objects;
    for (const [oldest, e] of this.states) {
      if (this.held <= this.maxObjects && this.states.size <= MAX_STATES) break;
      if (e !== entry) this.forget(oldest, e);
    }
  }

  private forget(key: string, entry: Cached): void {
    if (this.states.get(key) !== entry) return;
    this.states.delete(key);
    this.held -= entry.objects;
  }
}

function keyOf(position: number, scope: string | undefined): string {
  return scope === undefined ? String(position) : `${position} ${scope}`;
}

/** The scope itself, then each scope containing it, up to everything: `Pod/a/x`, `Pod/a`, `Pod`, undefined. */
function widerScopes(scope: string | undefined): (string | undefined)[] {
  const out: (string | undefined)[] = [];
  let s = scope;
  while (s !== undefined) {
    out.push(s);
    const slash = s.lastIndexOf('/');
    s = slash < 0 ? undefined : s.slice(0, slash);
  }
  out.push(undefined);
  return out;
}

/** The snapshot store behind an event store, when it is one (the embedded SQLite and memory stores are). */
export function snapshotsOf(store: EventStore): SnapshotStore | undefined {
  const s = store as Partial<SnapshotStore>;
  return typeof s.latestSnapshotPosition === 'function' && typeof s.readSnapshot === 'function' && typeof s.saveSnapshot === 'function'
    ? (s as SnapshotStore)
    : undefined;
}

const caches = new WeakMap<EventStore, StateCache>();

/** One cache per store, so that every request to one API server shares it. */
export function stateCacheFor(store: EventStore, snapshots = snapshotsOf(store)): StateCache {
  let cache = caches.get(store);
  if (!cache) caches.set(store, (cache = new StateCache(store, snapshots)));
  return cache;
}
