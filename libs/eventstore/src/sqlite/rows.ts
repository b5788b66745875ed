import { upcast, type EventMetadata, type NewEvent, type StoredEvent } from '@logbook/events';

/**
 * The columns every read selects, in this order. Reads use `setReturnArrays(true)`: node:sqlite
 * builds a plain array per row far faster than an object with named properties, which showed
 * as a third of readAll's time in the replay profile.
 */
export const EVENT_COLUMNS =
  'position, stream, revision, id, type, time, actor, causation_id, correlation_id, schema_version, data';

/** One row of `SELECT ${EVENT_COLUMNS}` as node:sqlite returns it with setReturnArrays(true). */
export type EventRow = [
  position: number,
  stream: string,
  revision: number,
  id: string,
  type: string,
  time: string,
  actor: string,
  causationId: string | null,
  correlationId: string | null,
  schemaVersion: number,
  data: string,
];

/** Parameters of the insert statement after (position, stream, revision); serialised once, at append. */
export type EventParams = [
  id: string,
  type: string,
  time: string,
  timeMs: number,
  actor: string,
  causationId: string | null,
  correlationId: string | null,
  schemaVersion: number,
  data: string,
];

export function toParams(event: NewEvent): EventParams {
  const m = event.metadata;
  return [
    event.id,
    event.type,
    m.time,
    Date.parse(m.time),
    m.actor,
    m.causationId ?? null,
    m.correlationId ?? null,
    m.schemaVersion,
    JSON.stringify(event.data ?? null),
  ];
}

export function fromRow(r: EventRow): StoredEvent {
  return storedEvent(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10]);
}

/** The event a read of the row written from `p` would return, without reading it. */
export function fromParams(position: number, stream: string, revision: number, p: EventParams): StoredEvent {
  return storedEvent(position, stream, revision, p[0], p[1], p[2], p[4], p[5], p[6], p[7], p[8]);
}

function storedEvent(
  position: number,
  stream: string,
  revision: number,
  id: string,
  type: string,
  time: string,
  actor: string,
  causationId: string | null,
  correlationId: string | null,
  schemaVersion: number,
  data: string,
): StoredEvent {
  // Literal shapes rather than conditional spreads (same key order as before): no spread helper.
  let metadata: EventMetadata;
  if (causationId === null) {
    metadata = correlationId === null ? { time, actor, schemaVersion } : { time, actor, schemaVersion, correlationId };
  } else {
    metadata =
      correlationId === null ? { time, actor, schemaVersion, causationId } : { time, actor, schemaVersion, causationId, correlationId };
  }
  return upcast({ id, type, data: JSON.parse(data) as unknown, position, stream, revision, metadata });
}
