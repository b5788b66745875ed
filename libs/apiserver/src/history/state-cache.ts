import type { EventStore, SnapshotStore } from '@logbook/eventstore';
import { type ClusterState, stateAt } from '@logbook/projections';

/**
 * States at past positions for time-travel reads: each built by `stateAt` (newest snapshot at
 * or before the position, then a fold), the few most recent kept so that a client paging or
 * repeating a read of one point pays once. Concurrent reads of one point share one build.
 * Memory is bounded by `size` states, whatever the log's length.
 */
export class StateCache {
  private readonly states = new Map<number, Promise<ClusterState>>();

  constructor(
    private readonly store: EventStore,
    private readonly snapshots: SnapshotStore | undefined,
    private readonly size = 4,
  ) {}

  at(position: number): Promise<ClusterState> {
    const cached = this.states.get(position);
    if (cached) {
      // Map order is insertion order: re-inserting marks it most recently used.
      this.states.delete(position);
      this.states.set(position, cached);
      return cached;
    }
    const built = stateAt(this.store, this.snapshots, position);
    this.states.set(position, built);
    built.catch(() => this.states.delete(position));
    while (this.states.size > this.size) this.states.delete(this.states.keys().next().value!);
    return built;
  }

  get cachedPositions(): number[] {
    return [...this.states.keys()];
  }
}

/** The snapshot store behind an event store, when it is one (the embedded SQLite and memory stores are). */
export function snapshotsOf(store: EventStore): SnapshotStore | undefined {
  const s = store as Partial<SnapshotStore>;
  return typeof s.latestSnapshot === 'function' && typeof s.saveSnapshot === 'function' ? (s as SnapshotStore) : undefined;
}

const caches = new WeakMap<EventStore, StateCache>();

/** One cache per store, so that every request to one API server shares it. */
export function stateCacheFor(store: EventStore, snapshots = snapshotsOf(store)): StateCache {
  let cache = caches.get(store);
  if (!cache) caches.set(store, (cache = new StateCache(store, snapshots)));
  return cache;
}
