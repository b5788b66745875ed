import type { StoredEvent } from '@logbook/events';

/**
 * The last position whose event time is <= `time`. Writers set the time, and clocks of
 * different writers may disagree a little, so this is the highest such position rather than
 * the end of a binary search over an assumed-sorted log.
 */
export function positionAtTime(events: readonly StoredEvent[], time: Date): number {
  const t = time.getTime();
  for (let i = events.length - 1; i >= 0; i--) {
    if (Date.parse(events[i].metadata.time) <= t) return events[i].position;
  }
  return 0;
}
