import type { NewEvent } from '@logbook/events';
import { DuplicateEventId } from './duplicate-event-id';
import { ExpectedRevisionConflict } from './errors';
import type { ExpectedRevision } from './event-store.port';

/** Throws ExpectedRevisionConflict unless `current` (undefined: no stream) satisfies `expected`. */
export function checkExpectedRevision(stream: string, expected: ExpectedRevision, current: number | undefined): void {
  if (expected === 'any') return;
  if (expected === 'no_stream' ? current === undefined : current === expected) return;
  throw new ExpectedRevisionConflict(stream, expected, current ?? 'no_stream');
}

/**
 * An append must carry at least one event: an empty append has no position to acknowledge,
 * and every API write appends exactly one event anyway.
 */
export function assertAppendable(stream: string, events: readonly NewEvent[]): void {
  if (!stream) throw new TypeError('append: stream name is empty');
  if (events.length === 0) throw new RangeError(`append to ${stream}: no events`);
  const ids = new Set<string>();
  for (const e of events) {
    // The time index needs a time it can order; the writer, not the store, sets it.
    if (Number.isNaN(Date.parse(e.metadata.time))) {
      throw new TypeError(`append to ${stream}: event ${e.id} has no valid metadata.time (${e.metadata.time})`);
    }
    if (ids.has(e.id)) throw new DuplicateEventId(stream, e.id);
    ids.add(e.id);
  }
}
