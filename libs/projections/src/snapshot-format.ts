import type { KubeObject } from '@logbook/kube';
import type { SnapshotEntry } from '@logbook/eventstore';

/** A frozen view of a ClusterState: the objects as of `position`, keyed by stream. */
export interface StateView {
  readonly position: number;
  readonly entries: ReadonlyArray<readonly [string, KubeObject]>;
}

/**
 * A state as one document (ClusterState.serialize/restore, for tests and the memory bench):
 * `{"v":1,"position":N,"objects":[[stream, object], …]}`, objects in stream order so that equal
 * states give equal documents. Streams are stored rather than derived from the objects so that
 * restore never has to second-guess how a writer named one. Snapshots in a store are kept one
 * entry per object instead (viewEntriesInChunks), the same [stream, object] pairs.
 */
export const SNAPSHOT_FORMAT = 1;

export class SnapshotFormatError extends Error {
  readonly code = 'SnapshotFormatError';
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotFormatError';
  }
}

export function serializeView(view: StateView): string {
  const parts = sortedEntries(view).map(([stream, obj]) => JSON.stringify([stream, obj]));
  return header(view.position) + parts.join(',') + ']}';
}

/**
 * A view's objects as snapshot entries (stream, object JSON) in stream order: how the Projector
 * saves a snapshot (one row per object, so that time travel can load one object or one kind).
 * Built a chunk at a time with a macrotask between chunks, so that a large state does not stall
 * the event loop (and with it, the API's writes).
 */
export async function viewEntriesInChunks(view: StateView, chunk = 2000): Promise<SnapshotEntry[]> {
  const entries = sortedEntries(view);
  const out: SnapshotEntry[] = [];
  for (let i = 0; i < entries.length; i += chunk) {
    if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const end = Math.min(entries.length, i + chunk);
    for (let j = i; j < end; j++) out.push([entries[j][0], JSON.stringify(entries[j][1])]);
  }
  return out;
}

/** viewEntriesInChunks in one go. */
export function viewEntries(view: StateView): SnapshotEntry[] {
  return sortedEntries(view).map(([stream, obj]) => [stream, JSON.stringify(obj)]);
}

/** Parses snapshot entries, all or nothing: a malformed entry throws SnapshotFormatError. */
export function parseEntries(entries: readonly SnapshotEntry[]): [string, KubeObject][] {
  return entries.map(([stream, json]) => {
    let obj: KubeObject;
    try {
      obj = JSON.parse(json) as KubeObject;
    } catch (error) {
      throw new SnapshotFormatError(`snapshot entry ${stream} is not JSON: ${(error as Error).message}`);
    }
    if (obj === null || typeof obj !== 'object' || typeof obj.metadata !== 'object') throw new SnapshotFormatError(`snapshot entry ${stream} is not an object`);
    return [stream, obj];
  });
}

export function parseSnapshot(serialized: string): StateView {
  const parsed = JSON.parse(serialized) as { v?: unknown; position?: unknown; objects?: unknown };
  if (parsed.v !== SNAPSHOT_FORMAT) throw new SnapshotFormatError(`unsupported snapshot format ${String(parsed.v)}`);
  if (typeof parsed.position !== 'number' || !Array.isArray(parsed.objects)) throw new SnapshotFormatError('malformed snapshot');
  return { position: parsed.position, entries: parsed.objects as [string, KubeObject][] };
}

function header(position: number): string {
  return `{"v":${SNAPSHOT_FORMAT},"position":${position},"objects":[`;
}

function sortedEntries(view: StateView): ReadonlyArray<readonly [string, KubeObject]> {
  return [...view.entries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
