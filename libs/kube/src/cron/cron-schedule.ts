import { type WallClock, fromNaiveMs, instantOf, localTimeZone, naiveMs, wallClockAt } from './wall-clock';

/**
 * CronJob schedules as kube-controller-manager reads them (robfig/cron v3 `ParseStandard`):
 * five fields (minute hour day-of-month month day-of-week) with lists, ranges, steps, `*`, `?`
 * and month/day names, or a descriptor (`@yearly`, `@annually`, `@monthly`, `@weekly`,
 * `@daily`, `@midnight`, `@hourly`, `@every <duration>`). Error messages are robfig's, since
 * kube-apiserver returns them verbatim in a 422.
 *
 * Times are matched on the wall clock of a time zone. Around DST changes: a wall time that
 * does not exist (spring forward) does not fire; one that happens twice (fall back) fires once.
 */
export class CronParseError extends Error {}

interface Field {
  readonly min: number;
  readonly max: number;
  readonly names?: Readonly<Record<string, number>>;
}

const MONTH_NAMES = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DOW_NAMES = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const MINUTES: Field = { min: 0, max: 59 };
const HOURS: Field = { min: 0, max: 23 };
const DOM: Field = { min: 1, max: 31 };
const MONTHS: Field = { min: 1, max: 12, names: MONTH_NAMES };
const DOW: Field = { min: 0, max: 6, names: DOW_NAMES };

/** The values a field allows; `star` when it was written `*`/`?` (with no step > 1), which changes day matching. */
interface FieldSet {
  readonly values: ReadonlySet<number>;
  readonly star: boolean;
}

export type CronSchedule = CalendarSchedule | EverySchedule;

export interface CalendarSchedule {
  readonly kind: 'calendar';
  readonly minutes: FieldSet;
  readonly hours: FieldSet;
  readonly dom: FieldSet;
  readonly months: FieldSet;
  readonly dow: FieldSet;
}

/** `@every 1h30m`: a constant delay after the previous run, not a calendar rule. */
export interface EverySchedule {
  readonly kind: 'every';
  readonly delayMs: number;
}

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

export function parseCronSchedule(spec: string): CronSchedule {
  if (spec.length === 0) throw new CronParseError('empty spec string');
  if (spec.startsWith('@')) {
    if (spec.startsWith('@every ')) return { kind: 'every', delayMs: everyDelay(spec) };
    const fields = DESCRIPTORS[spec];
    if (!fields) throw new CronParseError(`unrecognized descriptor: ${spec}`);
    return parseFields(fields.split(' '));
  }
  const fields = spec.split(/\s+/).filter(Boolean);
  if (fields.length !== 5) throw new CronParseError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  return parseFields(fields);
}

function parseFields(f: string[]): CalendarSchedule {
  return { kind: 'calendar', minutes: parseField(f[0], MINUTES), hours: parseField(f[1], HOURS), dom: parseField(f[2], DOM), months: parseField(f[3], MONTHS), dow: parseField(f[4], DOW) };
}

function parseField(text: string, field: Field): FieldSet {
  const values = new Set<number>();
  let star = false;
  for (const part of text.split(',')) {
    const r = parseRange(part, field);
    for (let v = r.start; v <= r.end; v += r.step) values.add(v);
    star ||= r.star;
  }
  return { values, star };
}

function parseRange(expr: string, field: Field): { start: number; end: number; step: number; star: boolean } {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0].split('-');
  let start: number;
  let end: number;
  let star = false;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = field.min;
    end = field.max;
    star = true;
  } else {
    start = intOrName(lowAndHigh[0], field);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = intOrName(lowAndHigh[1], field);
    else throw new CronParseError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = nonNegativeInt(rangeAndStep[1]);
    if (lowAndHigh.length === 1) end = field.max; // "N/step" means "N-max/step"
    if (step > 1) star = false;
  } else if (rangeAndStep.length > 2) {
    throw new CronParseError(`too many slashes: ${expr}`);
  }
  if (start < field.min) throw new CronParseError(`beginning of range (${start}) below minimum (${field.min}): ${expr}`);
  if (end > field.max) throw new CronParseError(`end of range (${end}) above maximum (${field.max}): ${expr}`);
  if (start > end) throw new CronParseError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronParseError(`step of range should be a positive number: ${expr}`);
  return { start, end, step, star };
}

function intOrName(text: string, field: Field): number {
  const named = field.names?.[text.toLowerCase()];
  return named ?? nonNegativeInt(text);
}

/** Go's strconv.Atoi, then robfig's sign check, with their messages. */
function nonNegativeInt(text: string): number {
  if (!/^[+-]?\d+$/.test(text)) throw new CronParseError(`failed to parse int from ${text}: strconv.Atoi: parsing ${JSON.stringify(text)}: invalid syntax`);
  const n = Number(text);
  if (n < 0) throw new CronParseError(`negative number (${n}) not allowed: ${text}`);
  return n;
}

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration for `@every`; robfig rounds a delay under a second up to one second. */
function everyDelay(spec: string): number {
  const text = spec.slice('@every '.length);
  const bad = () => new CronParseError(`failed to parse duration ${spec}: time: invalid duration ${JSON.stringify(text)}`);
  if (!/^([0-9]*\.?[0-9]+(ns|us|µs|ms|s|m|h))+$/.test(text)) throw bad();
  let ms = 0;
  for (const m of text.matchAll(/([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * UNITS[m[2]];
  // robfig: a delay under a second runs every second; sub-second parts are dropped.
  return ms < 1000 ? 1000 : Math.floor(ms / 1000) * 1000;
}

/** robfig's dayMatches: if either day field is `*`, both must match; otherwise either may. */
function dayMatches(s: CalendarSchedule, w: WallClock): boolean {
  const dom = s.dom.values.has(w.day);
  const dow = s.dow.values.has(w.weekday);
  return s.dom.star || s.dow.star ? dom && dow : dom || dow;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** robfig gives up after five years (e.g. `0 0 30 2 *` never fires). */
const SEARCH_YEARS = 5;

/** The first time strictly after `after` that the schedule fires, in `timeZone` (default: the process's). */
export function nextScheduleTime(s: CronSchedule, after: Date, timeZone = localTimeZone()): Date | undefined {
  if (s.kind === 'every') return new Date(Math.floor(after.getTime() / 1000) * 1000 + s.delayMs);
  const afterMs = after.getTime();
  let naive = naiveMs(wallClockAt(afterMs, timeZone)) + MINUTE;
  const limit = naive + SEARCH_YEARS * 366 * 24 * HOUR;
  while (naive <= limit) {
    const w = fromNaiveMs(naive);
    if (!s.months.values.has(w.month)) naive = Date.UTC(w.year, w.month, 1);
    else if (!dayMatches(s, w)) naive = Date.UTC(w.year, w.month - 1, w.day + 1);
    else if (!s.hours.values.has(w.hour)) naive = Date.UTC(w.year, w.month - 1, w.day, w.hour + 1);
    else if (!s.minutes.values.has(w.minute)) naive += MINUTE;
    else {
      const t = instantOf(naive, timeZone);
      if (t !== undefined && t > afterMs) return new Date(t);
      naive += MINUTE;
    }
  }
  return undefined;
}

/** The last time at or before `atOrBefore` that a calendar schedule fired, in `timeZone`. */
export function previousScheduleTime(s: CalendarSchedule, atOrBefore: Date, timeZone = localTimeZone()): Date | undefined {
  const limitMs = atOrBefore.getTime();
  let naive = naiveMs(wallClockAt(limitMs, timeZone));
  const floor = naive - SEARCH_YEARS * 366 * 24 * HOUR;
  while (naive >= floor) {
    const w = fromNaiveMs(naive);
    if (!s.months.values.has(w.month)) naive = Date.UTC(w.year, w.month - 1, 1) - MINUTE;
    else if (!dayMatches(s, w)) naive = Date.UTC(w.year, w.month - 1, w.day) - MINUTE;
    else if (!s.hours.values.has(w.hour)) naive = Date.UTC(w.year, w.month - 1, w.day, w.hour) - MINUTE;
    else if (!s.minutes.values.has(w.minute)) naive -= MINUTE;
    else {
      const t = instantOf(naive, timeZone);
      if (t !== undefined && t <= limitMs) return new Date(t);
      naive -= MINUTE;
    }
  }
  return undefined;
}

export interface MostRecent {
  /** The latest scheduled time in (earliest, now], if any. */
  readonly time?: Date;
  /** How many scheduled times fell in (earliest, now], counted up to 101 (kube warns above 100). */
  readonly missed: number;
  /** The first scheduled time after `now`. */
  readonly next?: Date;
}

/**
 * kube's mostRecentScheduleTime: which run is due. `earliest` is the last scheduled time (or
 * the CronJob's creation, or now minus startingDeadlineSeconds); runs at or before it are done.
 */
export function mostRecentScheduleTime(s: CronSchedule, earliest: Date, now: Date, timeZone = localTimeZone()): MostRecent {
  const next = nextScheduleTime(s, now, timeZone);
  if (now.getTime() <= earliest.getTime()) return { missed: 0, next };
  let time: Date | undefined;
  if (s.kind === 'every') {
    // A constant delay counts from the previous run, as robfig's ConstantDelaySchedule does.
    const base = Math.floor(earliest.getTime() / 1000) * 1000;
    const n = Math.floor((now.getTime() - base) / s.delayMs);
    if (n >= 1) time = new Date(base + n * s.delayMs);
    return { time, missed: n, next: time ? new Date(time.getTime() + s.delayMs) : new Date(base + s.delayMs) };
  }
  const prev = previousScheduleTime(s, now, timeZone);
  if (prev && prev.getTime() > earliest.getTime()) time = prev;
  let missed = 0;
  for (let t = nextScheduleTime(s, earliest, timeZone); t && t.getTime() <= now.getTime() && missed <= 100; t = nextScheduleTime(s, t, timeZone)) missed++;
  return { time, missed, next };
}
