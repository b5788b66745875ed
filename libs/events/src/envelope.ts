/**
 * The event envelope (DESIGN §2). `position` is the global log position and doubles as the
 * cluster-wide resourceVersion; `revision` counts events within one object's stream from 0.
 */
export interface EventMetadata {
  /** RFC 3339 with milliseconds, set by the writer, never by the store. */
  readonly time: string;
  /** Authenticated user or component identity (`system:scheduler`, `alice`, ...). */
  readonly actor: string;
  /** Id of the event this write reacted to, when a component wrote it. */
  readonly causationId?: string;
  /** Id of the request or user command the write belongs to. */
  readonly correlationId?: string;
  /** Version of `data`'s schema for this type; old versions are upcast when read. */
  readonly schemaVersion: number;
}

/** An event as it is handed to the store. */
export interface NewEvent<T extends string = string, D = unknown> {
  readonly id: string;
  readonly type: T;
  readonly data: D;
  readonly metadata: EventMetadata;
}

/** An event as the store returns it. */
export interface StoredEvent<T extends string = string, D = unknown> extends NewEvent<T, D> {
  readonly position: number;
  readonly stream: string;
  readonly revision: number;
}
