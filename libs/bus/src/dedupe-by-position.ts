import { POSITION_HEADER, type BusMessage, type MessageHandler } from './event-bus.port';

/** Remembers the last position handled per key; swap in a durable one to dedupe across restarts. */
export interface PositionMemory {
  get(key: string): number | undefined;
  set(key: string, position: number): void;
}

export interface DedupeOptions {
  readonly memory?: PositionMemory;
  /** Called for each dropped duplicate (metrics, logs). */
  readonly onDuplicate?: (message: BusMessage, position: number) => void;
}

/** The log position a message was published for: the header, else the envelope in the value. */
export function positionOf(message: BusMessage): number | undefined {
  const header = message.headers[POSITION_HEADER];
  if (header !== undefined) return Number(header);
  try {
    const body = JSON.parse(message.value.toString('utf8')) as { envelope?: { position?: unknown }; position?: unknown };
    const position = body.envelope?.position ?? body.position;
    return typeof position === 'number' ? position : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Wraps a handler so that a message whose log position is not newer than the last one
 * handled for its key is dropped. Delivery is at-least-once (a relay restart republishes,
 * a consumer restart redelivers); positions grow per key, so this makes handling idempotent.
 * Messages without a position pass through.
 */
export function dedupeByPosition(handler: MessageHandler, options: DedupeOptions = {}): MessageHandler {
  const memory = options.memory ?? new Map<string, number>();
  return async (message) => {
    const position = positionOf(message);
    if (position === undefined || Number.isNaN(position)) return handler(message);
    const key = `${message.topic}\u0000${message.key ?? `#${message.partition}`}`;
    const last = memory.get(key);
    if (last !== undefined && position <= last) {
      options.onDuplicate?.(message, position);
      return;
    }
    await handler(message);
    memory.set(key, position);
  };
}
