import { createHash } from 'node:crypto';
import { jsonEvent, type EventData, type JSONType, type MetadataType, type RecordedEvent } from '@eventstore/db-client';
import { upcast, type EventMetadata, type NewEvent, type StoredEvent } from '@logbook/events';

/**
 * What an event's EventStoreDB metadata holds: the envelope's metadata plus Logbook's event id
 * (EventStoreDB ids must be UUIDs; ours usually are, and the original is kept either way).
 */
interface StoredMetadata {
  readonly id: string;
  readonly time: string;
  readonly actor: string;
  readonly schemaVersion: number;
  readonly causationId?: string;
  readonly correlationId?: string;
  /** Set when `data` was not a JSON object or array and had to be wrapped as `{ value }`. */
  readonly wrapped?: true;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The EventStoreDB event id for a Logbook id: itself when it is a UUID, else a name-based UUID of it. */
export function esdbEventId(id: string): string {
  if (UUID.test(id)) return id;
  const hex = createHash('sha1').update(`logbook:${id}`).digest('hex');
  // RFC 4122 version 5 layout: version nibble 5, variant bits 10.
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function toEventData(event: NewEvent): EventData {
  const m = event.metadata;
  const wrap = !isJsonContainer(event.data);
  const metadata: StoredMetadata = {
    id: event.id,
    time: m.time,
    actor: m.actor,
    schemaVersion: m.schemaVersion,
    ...(m.causationId !== undefined ? { causationId: m.causationId } : {}),
    ...(m.correlationId !== undefined ? { correlationId: m.correlationId } : {}),
    ...(wrap ? { wrapped: true as const } : {}),
  };
  const data: JSONType = wrap ? { value: event.data ?? null } : (event.data as JSONType);
  return jsonEvent({ id: esdbEventId(event.id), type: event.type, data, metadata: { ...metadata } });
}

/** The Logbook id of a recorded event (from its metadata), or undefined when it is not Logbook's. */
export function logbookId(recorded: RecordedEvent): string | undefined {
  return readMetadata(recorded.metadata)?.id;
}

/** The time of a recorded event as the writer set it, in ms since the epoch (NaN if unreadable). */
export function eventTimeMs(recorded: RecordedEvent): number {
  const m = readMetadata(recorded.metadata);
  return m ? Date.parse(m.time) : Number.NaN;
}

/** A recorded event of object stream `stream` as the port returns it, at `position`. */
export function fromRecorded(recorded: RecordedEvent, stream: string, position: number): StoredEvent {
  const m = readMetadata(recorded.metadata);
  if (!m) throw new Error(`event ${recorded.id} in ${recorded.streamId} has no Logbook metadata; was it written by something else?`);
  const raw = recorded.isJson ? recorded.data : (JSON.parse(Buffer.from(recorded.data).toString('utf8')) as unknown);
  const data = m.wrapped && isRecord(raw) ? raw.value : raw;
  const metadata: EventMetadata = {
    time: m.time,
    actor: m.actor,
    schemaVersion: m.schemaVersion,
    ...(m.causationId !== undefined ? { causationId: m.causationId } : {}),
    ...(m.correlationId !== undefined ? { correlationId: m.correlationId } : {}),
  };
  return upcast({ id: m.id, type: recorded.type, data, position, stream, revision: Number(recorded.revision), metadata });
}

function readMetadata(metadata: MetadataType | undefined): StoredMetadata | undefined {
  const m = metadata instanceof Uint8Array ? parseJson(Buffer.from(metadata).toString('utf8')) : metadata;
  if (!isRecord(m)) return undefined;
  const { id, time, actor, schemaVersion, causationId, correlationId, wrapped } = m;
  if (typeof id !== 'string' || typeof time !== 'string' || typeof actor !== 'string' || typeof schemaVersion !== 'number') return undefined;
  return {
    id,
    time,
    actor,
    schemaVersion,
    ...(typeof causationId === 'string' ? { causationId } : {}),
    ...(typeof correlationId === 'string' ? { correlationId } : {}),
    ...(wrapped === true ? { wrapped } : {}),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** EventStoreDB's JSON events carry an object or an array; anything else is wrapped. */
function isJsonContainer(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}
