import { ApiError } from '@logbook/kube';
import type { EventStore } from '@logbook/eventstore';

/** A moment of the log as a user names it: a resourceVersion (log position) or a time. */
export type Point = { readonly position: number } | { readonly time: Date };

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const DURATION = /^-?((\d+(\.\d+)?)(ms|s|m|h|d))+$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of a Go-style duration (`90s`, `1h30m`, `2d`); a leading `-` is allowed and ignored. */
export function parseDuration(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  let ms = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) ms += Number(m[1]) * UNIT_MS[m[2]];
  return ms;
}

/**
 * Parses `1234` (a resourceVersion), `2025-01-02T15:04:05Z` (RFC 3339) or a duration ago
 * (`10m`, `-10m`, `1h30m`: both signs mean "that long before now").
 */
export function parsePoint(text: string, now: Date, what = 'point'): Point {
  const t = text.trim();
  if (/^\d+$/.test(t)) return { position: Number(t) };
  const ago = parseDuration(t);
  if (ago !== undefined) return { time: new Date(now.getTime() - ago) };
  if (RFC3339.test(t) && !Number.isNaN(Date.parse(t))) return { time: new Date(t) };
  throw ApiError.badRequest(
    `invalid ${what} "${text}": expected a resourceVersion (e.g. 1234), an RFC 3339 time (e.g. 2025-01-02T15:04:05Z) or a duration before now (e.g. 10m, 2h, -1h30m)`,
  );
}

/** The log's extent, for checking points against it. */
export interface LogExtent {
  readonly head: number;
  /** Time of the first event, undefined for an empty log. */
  readonly firstTime?: string;
}

export async function logExtent(store: EventStore): Promise<LogExtent> {
  const head = await store.headPosition();
  return { head, firstTime: head > 0 ? await store.timeAt(1) : undefined };
}

/**
 * The log position a point names, strictly: a point before the log's first event or after its
 * end (a resourceVersion past the head, a time in the future) is a 400, never a silent clamp.
 */
export async function resolvePoint(store: EventStore, text: string, now: Date, what = 'point'): Promise<number> {
  const point = parsePoint(text, now, what);
  const { head, firstTime } = await logExtent(store);
  if (head === 0) throw ApiError.badRequest(`${what} "${text}" is outside the log: the log is empty`);
  if ('position' in point) {
    if (point.position < 1) throw ApiError.badRequest(`${what} "${text}" is before the log's start: the first resourceVersion is 1`);
    if (point.position > head) throw ApiError.badRequest(`${what} "${text}" is after the log's end: the newest resourceVersion is ${head}`);
    return point.position;
  }
  if (point.time.getTime() < Date.parse(firstTime!)) {
    throw ApiError.badRequest(`${what} "${text}" (${point.time.toISOString()}) is before the log's start: the first event was written at ${firstTime}`);
  }
  // A little slack for the client's clock; beyond it the caller asked about the future.
  if (point.time.getTime() > now.getTime() + 5_000) {
    throw ApiError.badRequest(`${what} "${text}" (${point.time.toISOString()}) is after the log's end: it is in the future (server time ${now.toISOString()})`);
  }
  return store.positionAt(point.time);
}

/** Position bounds (exclusive after, inclusive to) of `since`/`until`, clamped to the log. */
export async function resolveRange(store: EventStore, since: string | null, until: string | null, now: Date): Promise<{ after: number; to: number }> {
  const head = await store.headPosition();
  let after = 0;
  let to = head;
  if (since) {
    const p = parsePoint(since, now, 'since');
    // since is inclusive: the events at or after the point.
    after = 'position' in p ? Math.max(0, p.position - 1) : await store.positionAt(new Date(p.time.getTime() - 1));
  }
  if (until) {
    const p = parsePoint(until, now, 'until');
    to = Math.min(head, 'position' in p ? p.position : await store.positionAt(p.time));
  }
  if (since && until && to <= after) {
    // Not an error for a range that is merely empty, only for one that is backwards.
    const s = parsePoint(since, now), u = parsePoint(until, now);
    const sv = 'position' in s ? s.position : s.time.getTime(), uv = 'position' in u ? u.position : u.time.getTime();
    if ('position' in s === 'position' in u && sv > uv) throw ApiError.badRequest(`since "${since}" is after until "${until}"`);
  }
  return { after, to };
}
