import type { NewEvent, StoredEvent } from '@logbook/events';

/** `no_stream`: the stream must not exist; a number: the stream's last revision must equal it. */
export type ExpectedRevision = number | 'any' | 'no_stream';

export interface AppendResult {
  /** Position of the first appended event. */
  readonly firstPosition: number;
  /** Position of the last appended event: the write's resourceVersion. */
  readonly position: number;
  /** The stream's revision after the append. */
  readonly revision: number;
}

export interface ReadAllOptions {
  /** Exclusive lower bound: only events with position > after. Default 0 (from the start). */
  readonly after?: number;
  /** Inclusive upper bound. */
  readonly to?: number;
  readonly limit?: number;
}

/** What `readBackward` selects; every given field must match. */
export interface EventFilter {
  /** Exclusive upper bound: only events with position < before. Default: the whole log. */
  readonly before?: number;
  /** Exclusive lower bound: only events with position > after. Default 0. */
  readonly after?: number;
  /** Only events written by this actor. */
  readonly actor?: string;
  /** Only events of streams whose name starts with this, e.g. `Deployment/` or `Pod/team-a/`. */
  readonly streamPrefix?: string;
  /** Only events of these types. */
  readonly types?: readonly string[];
  /** At most this many events (default 1000). */
  readonly limit?: number;
}

export interface Subscription {
  close(): Promise<void>;
}

/**
 * The log. One stream per object, one global order over all streams. An acknowledged append
 * is durable: it survives a crash of the process (and, for the embedded store, of the machine,
 * see docs/architecture.md "fsync policy").
 */
export interface EventStore {
  append(stream: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult>;
  /** Every event of a stream in revision order; an empty array when the stream never existed. */
  readStream(stream: string, fromRevision?: number): Promise<StoredEvent[]>;
  /** Events in position order, in pages of at most `limit` (default 1000). */
  readAll(options?: ReadAllOptions): Promise<StoredEvent[]>;
  /**
   * Delivers every event with position > after, in order, first the stored ones then live ones
   * as they are appended. The handler is awaited before the next event is delivered.
   */
  subscribeAll(after: number, handler: (event: StoredEvent) => void | Promise<void>): Subscription;
  /** The position of the last event, 0 for an empty log. */
  headPosition(): Promise<number>;
  /** The last position whose event time is <= `time`; 0 if the log starts later. */
  positionAt(time: Date): Promise<number>;
  /** The time of the event at `position`, or undefined if there is none. */
  timeAt(position: number): Promise<string | undefined>;
  /** Events matching `filter`, newest first (audit: who did what, most recent first). */
  readBackward(filter?: EventFilter): Promise<StoredEvent[]>;
  /** The event with this id (what a `causationId` names), or undefined. */
  readEvent(id: string): Promise<StoredEvent | undefined>;
  /**
   * The `<Kind>Created` event whose `data.object.metadata.uid` is `uid`, or undefined: finds an
   * object's stream by uid, also after the object was deleted.
   */
  findCreation(uid: string): Promise<StoredEvent | undefined>;
  close(): Promise<void>;
}

/** One live object of a snapshot: its stream and the object as JSON. */
export type SnapshotEntry = readonly [stream: string, object: string];

/**
 * Projection snapshots: the live objects as of a log position, kept one per stream so that a
 * time-travel read loads only what it asks about (one object, one kind in one namespace) rather
 * than the whole cluster. A `scope` names a stream and everything under it: `Pod` every pod,
 * `Pod/shop` the pods of namespace shop, `Pod/shop/web-1` one pod (names never contain `/`).
 */
export interface SnapshotStore {
  /** Saves the snapshot at `position`; it becomes visible only once every entry is stored. */
  saveSnapshot(position: number, entries: readonly SnapshotEntry[]): Promise<void>;
  /** The position of the newest snapshot at or before `atOrBefore` (any, when omitted). */
  latestSnapshotPosition(atOrBefore?: number): Promise<number | undefined>;
  /** The entries of the snapshot at `position` (those in `scope` when given), in stream order. */
  readSnapshot(position: number, scope?: string): Promise<SnapshotEntry[]>;
}

/** Whether `stream` is `scope` or lies under it (see SnapshotStore). */
export function inScope(stream: string, scope: string | undefined): boolean {
  return scope === undefined || stream === scope || (stream.startsWith(scope) && stream.charCodeAt(scope.length) === 47 /* '/' */);
}

/** Named positions (relay checkpoint, embedded bus offsets) kept durably beside the log. */
export interface CheckpointStore {
  getCheckpoint(name: string): Promise<number | undefined>;
  setCheckpoint(name: string, value: number): Promise<void>;
}
