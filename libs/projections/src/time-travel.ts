import { type EventStore, type SnapshotStore, inScope } from '@logbook/eventstore';
import type { StoredEvent } from '@logbook/events';
import { foldFromStore } from './fold';
import { ClusterState } from './state';

/** Events per readBackward page of a scoped fold. */
const SCOPE_PAGE = 5_000;

/**
 * The cluster as it was at log position `position` (DESIGN §3): the newest snapshot at or
 * before it, then the events after the snapshot up to `position`. Only a log without a usable
 * snapshot is replayed from the start. A position past the head gives the state at the head.
 *
 * With a `scope` (a stream and the streams under it, see SnapshotStore: `Pod`, `Pod/shop`,
 * `Pod/shop/web-1`) the state holds only the objects in scope: the snapshot's entries in scope,
 * then the events of the scope's streams up to `position`. Folding is per stream, so these
 * objects are exactly the full state's; a get or a list costs what its scope holds, not what
 * the cluster holds. Such a state's stateHash covers the scope only.
 */
export async function stateAt(store: EventStore, snapshots: SnapshotStore | undefined, position: number, scope?: string): Promise<ClusterState> {
  if (!Number.isInteger(position) || position < 0) throw new RangeError(`position must be a non-negative integer, got ${position}`);
  const state = (position > 0 && (await restoreOrUndefined(snapshots, position, scope))) || new ClusterState();
  if (scope === undefined) await foldFromStore(state, store, { to: position });
  else await foldScope(state, store, scope, position);
  return state;
}

/** The cluster as it was at `time`: the state after the last event written at or before it. */
export async function stateAtTime(store: EventStore, snapshots: SnapshotStore | undefined, time: Date, scope?: string): Promise<ClusterState> {
  return stateAt(store, snapshots, await store.positionAt(time), scope);
}

/** Folds the whole log into a fresh state, ignoring snapshots: what `logbook replay` checks hashes with. */
export async function replayAll(store: EventStore): Promise<ClusterState> {
  const state = new ClusterState();
  await foldFromStore(state, store);
  return state;
}

/** A snapshot is a cache of the log: an unreadable one costs a longer fold, never a wrong answer. */
async function restoreOrUndefined(snapshots: SnapshotStore | undefined, position: number, scope: string | undefined): Promise<ClusterState | undefined> {
  const at = await snapshots?.latestSnapshotPosition(position);
  if (!snapshots || at === undefined) return undefined;
  try {
    const state = new ClusterState();
    state.loadEntries(at, await snapshots.readSnapshot(at, scope));
    return state;
  } catch {
    return undefined;
  }
}

/**
 * Applies the events of the scope's streams after `state.position` up to `to`, then moves the
 * state to `to` (or the head, when `to` is past it). The store filters by stream prefix (a superset of the scope: `Pod/a/web` also
 * selects `Pod/a/web-1`), newest first; the pages are applied oldest first.
 */
async function foldScope(state: ClusterState, store: EventStore, scope: string, to: number): Promise<void> {
  const pages: StoredEvent[][] = [];
  let before = to + 1;
  for (;;) {
    const page = await store.readBackward({ after: state.position, before, streamPrefix: scope, limit: SCOPE_PAGE });
    if (page.length > 0) pages.push(page);
    if (page.length < SCOPE_PAGE) break;
    before = page[page.length - 1].position;
  }
  for (let p = pages.length - 1; p >= 0; p--) {
    const page = pages[p];
    for (let i = page.length - 1; i >= 0; i--) if (inScope(page[i].stream, scope)) state.apply(page[i]);
  }
  state.advanceTo(Math.min(to, await store.headPosition()));
}
