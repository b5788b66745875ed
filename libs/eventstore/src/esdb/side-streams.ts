import { randomUUID } from 'node:crypto';
import {
  BACKWARDS,
  END,
  FORWARDS,
  NO_STREAM,
  START,
  StreamDeletedError,
  StreamNotFoundError,
  binaryEvent,
  jsonEvent,
  type EventStoreDBClient,
  type ResolvedEvent,
} from '@eventstore/db-client';
import { inScope, type SnapshotEntry } from '../event-store.port';
import { toPortError } from './esdb-errors';
import type { StreamNames } from './stream-names';

/** Below EventStoreDB's default maximum append size (1 MiB) with room for the envelope. */
export const SNAPSHOT_CHUNK_BYTES = 512 * 1024;

/** Announces a complete snapshot: where its chunks are and the first stream of each chunk. */
interface SnapshotMarker {
  readonly position: number;
  readonly stream: string;
  /** Entries are sorted by stream; chunk i holds the streams from firsts[i] up to firsts[i + 1]. */
  readonly firsts: readonly string[];
}

/**
 * Snapshots and checkpoints, kept beside the log in streams of their own (outside `<prefix>/`,
 * so `$all` followers of the log never see them):
 * - a snapshot's entries, sorted by stream, are written as JSON chunks (under EventStoreDB's
 *   maximum append size) to a stream of its own, then announced by a small marker event in
 *   `<prefix>-snapshots`, so a reader never sees half a snapshot; a scoped read fetches only the
 *   chunks whose stream range overlaps the scope;
 * - a checkpoint is one stream per name with `$maxCount` 1, so only its newest value is kept.
 */
export class EsdbSideStreams {
  private readonly checkpointsWithMetadata = new Set<string>();

  constructor(
    private readonly client: EventStoreDBClient,
    private readonly names: StreamNames,
    private readonly keepSnapshots?: number,
  ) {}

  async saveSnapshot(position: number, entries: readonly SnapshotEntry[]): Promise<void> {
    const stream = this.names.snapshotChunks(position, randomUUID().slice(0, 8));
    const chunks = chunkEntries(entries, SNAPSHOT_CHUNK_BYTES);
    try {
      for (const [i, chunk] of chunks.entries()) {
        await this.client.appendToStream(stream, binaryEvent({ type: 'LogbookSnapshotChunk', data: Buffer.from(JSON.stringify(chunk), 'utf8') }), {
          expectedRevision: i === 0 ? NO_STREAM : BigInt(i - 1),
        });
      }
      const marker: SnapshotMarker = { position, stream, firsts: chunks.map((c) => c[0]?.[0] ?? '') };
      await this.client.appendToStream(this.names.snapshots(), jsonEvent({ type: 'LogbookSnapshotSaved', data: { ...marker } }));
      if (this.keepSnapshots !== undefined) await this.pruneSnapshots(this.keepSnapshots);
    } catch (error) {
      throw toPortError(error, { operation: `save snapshot at position ${position}` });
    }
  }

  async latestSnapshotPosition(atOrBefore = Number.MAX_SAFE_INTEGER): Promise<number | undefined> {
    let best: number | undefined;
    for (const m of (await this.markers()).values()) if (m.position <= atOrBefore && (best === undefined || m.position > best)) best = m.position;
    return best;
  }

  async readSnapshot(position: number, scope?: string): Promise<SnapshotEntry[]> {
    const marker = (await this.markers()).get(position);
    if (!marker) return [];
    const [from, to] = scope === undefined ? [0, marker.firsts.length - 1] : chunksOverlapping(marker.firsts, scope, `${scope}0`);
    if (to < from) return [];
    const out: SnapshotEntry[] = [];
    for (const resolved of await this.read(marker.stream, FORWARDS, to - from + 1, BigInt(from))) {
      if (!resolved.event || resolved.event.isJson) continue;
      const chunk = JSON.parse(Buffer.from(resolved.event.data).toString('utf8')) as [string, string][];
      for (const [s, object] of chunk) if (inScope(s, scope)) out.push([s, object]);
    }
    return out;
  }

  async getCheckpoint(name: string): Promise<number | undefined> {
    const [last] = await this.read(this.names.checkpoint(name), BACKWARDS, 1);
    const value = last?.event?.isJson ? (last.event.data as { value?: unknown }).value : undefined;
    return typeof value === 'number' ? value : undefined;
  }

  async setCheckpoint(name: string, value: number): Promise<void> {
    const stream = this.names.checkpoint(name);
    try {
      if (!this.checkpointsWithMetadata.has(name)) {
        await this.client.setStreamMetadata(stream, { maxCount: 1 });
        this.checkpointsWithMetadata.add(name);
      }
      await this.client.appendToStream(stream, jsonEvent({ type: 'LogbookCheckpoint', data: { value } }));
    } catch (error) {
      throw toPortError(error, { operation: `set checkpoint ${name}` });
    }
  }

  /** The live snapshots by position: the newest marker of each position, minus the pruned. */
  private async markers(): Promise<Map<number, SnapshotMarker>> {
    const live = new Map<number, SnapshotMarker>();
    for (const resolved of await this.read(this.names.snapshots(), FORWARDS)) {
      const event = resolved.event;
      if (!event?.isJson) continue;
      const data = event.data as Partial<SnapshotMarker>;
      if (typeof data.position !== 'number') continue;
      if (event.type === 'LogbookSnapshotPruned') live.delete(data.position);
      else if (typeof data.stream === 'string' && Array.isArray(data.firsts)) {
        live.set(data.position, { position: data.position, stream: data.stream, firsts: data.firsts.map(String) });
      }
    }
    return live;
  }

  /** Keeps the newest `keep` snapshots by position: the others are marked pruned, then their chunks deleted. */
  private async pruneSnapshots(keep: number): Promise<void> {
    const markers = [...(await this.markers()).values()].sort((a, b) => b.position - a.position);
    for (const m of markers.slice(Math.max(0, keep))) {
      await this.client.appendToStream(this.names.snapshots(), jsonEvent({ type: 'LogbookSnapshotPruned', data: { position: m.position } }));
      await this.client.deleteStream(m.stream).catch(() => undefined);
    }
  }

  /** All events of a stream (or the newest `maxCount` backwards); none when it does not exist. */
  private async read(stream: string, direction: typeof FORWARDS | typeof BACKWARDS, maxCount?: number, fromRevision?: bigint): Promise<ResolvedEvent[]> {
    const out: ResolvedEvent[] = [];
    try {
      const reads = this.client.readStream(stream, {
        direction,
        fromRevision: direction === BACKWARDS ? END : (fromRevision ?? START),
        ...(maxCount !== undefined ? { maxCount } : {}),
      });
      for await (const resolved of reads) out.push(resolved);
    } catch (error) {
      if (error instanceof StreamNotFoundError || error instanceof StreamDeletedError) return [];
      throw toPortError(error, { operation: `read ${stream}` });
    }
    return out;
  }
}

/** Entries sorted by stream, cut into chunks of about `bytes` of JSON each (at least one chunk). */
export function chunkEntries(entries: readonly SnapshotEntry[], bytes: number): SnapshotEntry[][] {
  const sorted = [...entries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const chunks: SnapshotEntry[][] = [[]];
  let size = 0;
  for (const entry of sorted) {
    const entryBytes = Buffer.byteLength(entry[0]) + Buffer.byteLength(entry[1]) + 16;
    if (size + entryBytes > bytes && chunks[chunks.length - 1].length > 0) {
      chunks.push([]);
      size = 0;
    }
    chunks[chunks.length - 1].push(entry);
    size += entryBytes;
  }
  return chunks;
}

/** The first and last chunk (inclusive) that may hold streams in [lo, hi); to < from when none. */
export function chunksOverlapping(firsts: readonly string[], lo: string, hi: string): [from: number, to: number] {
  let from = -1;
  let to = -2;
  for (let i = 0; i < firsts.length; i++) {
    const next = firsts[i + 1];
    if (firsts[i] < hi && (next === undefined || next > lo)) {
      if (from < 0) from = i;
      to = i;
    }
  }
  return from < 0 ? [0, -1] : [from, to];
}
