/**
 * Wall-clock time in an IANA time zone, through Intl (Node ships the full tz database).
 * Cron fields are matched against the wall clock of the CronJob's `timeZone`, and the times
 * found are turned back into instants here.
 */
export interface WallClock {
  readonly year: number;
  /** 1–12 */
  readonly month: number;
  /** 1–31 */
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  /** 0 (Sunday) – 6 */
  readonly weekday: number;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The process's own zone: what kube-controller-manager uses for a CronJob without `timeZone`. */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** Whether Intl knows the zone; `Local` is refused as kube refuses it (it must be explicit). */
export function isKnownTimeZone(timeZone: string): boolean {
  if (!timeZone || timeZone.toLowerCase() === 'local') return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** A wall clock as a UTC millisecond count: lets minutes, hours and days be added with plain arithmetic. */
export function naiveMs(w: Pick<WallClock, 'year' | 'month' | 'day' | 'hour' | 'minute'>): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);
}

export function fromNaiveMs(ms: number): WallClock {
  const d = new Date(ms);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), weekday: d.getUTCDay() };
}

/** The wall clock of `instant` in `timeZone`, to the minute. */
export function wallClockAt(instantMs: number, timeZone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(instantMs))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return fromNaiveMs(Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute));
}

/** UTC offset in ms of `timeZone` at `instant` (wall clock minus instant, to the minute). */
function offsetAt(instantMs: number, timeZone: string): number {
  const floored = Math.floor(instantMs / MINUTE) * MINUTE;
  return naiveMs(wallClockAt(floored, timeZone)) - floored;
}

/**
 * The instant the wall clock shows `naive` in `timeZone`. A time skipped by a DST change has
 * none (undefined); a time that happens twice gives the earlier instant.
 */
export function instantOf(naive: number, timeZone: string): number | undefined {
  // At most one offset change within a day either side, so the candidates are these two.
  const candidates = [...new Set([naive - offsetAt(naive - DAY, timeZone), naive - offsetAt(naive + DAY, timeZone)])].sort((a, b) => a - b);
  return candidates.find((t) => naiveMs(wallClockAt(t, timeZone)) === naive);
}

/** RFC 3339 to the second with the zone's offset (`2026-03-01T10:00:00+01:00`, `…Z` in UTC), as Go formats it. */
export function formatInTimeZone(instantMs: number, timeZone: string): string {
  const seconds = Math.floor(instantMs / 1000) * 1000;
  const w = wallClockAt(seconds, timeZone);
  const offsetMin = Math.round((naiveMs(w) - Math.floor(seconds / MINUTE) * MINUTE) / MINUTE);
  const pad = (n: number, l = 2) => String(n).padStart(l, '0');
  const sec = new Date(seconds).getUTCSeconds();
  const base = `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(sec)}`;
  if (offsetMin === 0) return `${base}Z`;
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return `${base}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
