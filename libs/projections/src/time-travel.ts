import type { EventStore, SnapshotStore } from '@logbook/eventstore';
import { foldFromStore } from './fold';
import { ClusterState } from './state';

/**
 * The cluster as it was at log position `position` (DESIGN §3): the newest snapshot at or
 * before it, then the events after the snapshot up to `position`. Only a log without a usable
 * snapshot is replayed from the start. A position past the head gives the state at the head.
 */
export async function stateAt(store: EventStore, snapshots: SnapshotStore | undefined, position: number): Promise<ClusterState> {
  if (!Number.isInteger(position) || position < 0) throw new RangeError(`position must be a non-negative integer, got ${position}`);
  const snapshot = position > 0 ? await snapshots?.latestSnapshot(position) : undefined;
  const state = (snapshot && restoreOrUndefined(snapshot.state)) || new ClusterState();
  await foldFromStore(state, store, { to: position });
  return state;
}

/** The cluster as it was at `time`: the state after the last event written at or before it. */
export async function stateAtTime(store: EventStore, snapshots: SnapshotStore | undefined, time: Date): Promise<ClusterState> {
  return stateAt(store, snapshots, await store.positionAt(time));
}

/** Folds the whole log into a fresh state, ignoring snapshots: what `logbook replay` checks hashes with. */
export async function replayAll(store: EventStore): Promise<ClusterState> {
  const state = new ClusterState();
  await foldFromStore(state, store);
  return state;
}

/** A snapshot is a cache of the log: an unreadable one costs a longer fold, never a wrong answer. */
function restoreOrUndefined(serialized: string): ClusterState | undefined {
  try {
    return ClusterState.restore(serialized);
  } catch {
    return undefined;
  }
}
