import type { KubeObject } from '@logbook/kube';

/** A frozen view of a ClusterState: the objects as of `position`, keyed by stream. */
export interface StateView {
  readonly position: number;
  readonly entries: ReadonlyArray<readonly [string, KubeObject]>;
}

/**
 * Snapshot format, version 1: `{"v":1,"position":N,"objects":[[stream, object], …]}`, objects
 * in stream order so that equal states give equal snapshots. Streams are stored rather than
 * derived from the objects so that restore never has to second-guess how a writer named one.
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
 * The same bytes as serializeView, built a chunk at a time with a macrotask between chunks,
 * so that a large snapshot does not stall the event loop (and with it, the API's writes).
 */
export async function serializeViewInChunks(view: StateView, chunk = 2000): Promise<string> {
  const entries = sortedEntries(view);
  const parts: string[] = [];
  for (let i = 0; i < entries.length; i += chunk) {
    if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const end = Math.min(entries.length, i + chunk);
    for (let j = i; j < end; j++) parts.push(JSON.stringify(entries[j]));
  }
  return header(view.position) + parts.join(',') + ']}';
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
