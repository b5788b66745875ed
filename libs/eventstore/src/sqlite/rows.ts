import { upcast, type NewEvent, type StoredEvent } from '@logbook/events';

/** One row of the events table, as node:sqlite returns it. */
export interface EventRow {
  position: number;
  stream: string;
  revision: number;
  id: string;
  type: string;
  time: string;
  actor: string;
  causation_id: string | null;
  correlation_id: string | null;
  schema_version: number;
  data: string;
}

export const EVENT_COLUMNS =
  'position, stream, revision, id, type, time, actor, causation_id, correlation_id, schema_version, data';

/** Parameters of the insert statement, in column order; serialised before the batch runs. */
export type EventParams = [string, string, string, number, string, string | null, string | null, number, string];

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

export function fromRow(row: EventRow): StoredEvent {
  return upcast({
    id: row.id,
    type: row.type,
    data: JSON.parse(row.data) as unknown,
    position: row.position,
    stream: row.stream,
    revision: row.revision,
    metadata: {
      time: row.time,
      actor: row.actor,
      schemaVersion: row.schema_version,
      ...(row.causation_id === null ? {} : { causationId: row.causation_id }),
      ...(row.correlation_id === null ? {} : { correlationId: row.correlation_id }),
    },
  });
}
