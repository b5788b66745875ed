import type { NewEvent } from '@logbook/events';
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
}
