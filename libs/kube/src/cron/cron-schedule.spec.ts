import { CronParseError, mostRecentScheduleTime, nextScheduleTime, parseCronSchedule, previousScheduleTime, type CalendarSchedule } from './cron-schedule';
import { formatInTimeZone, instantOf, isKnownTimeZone, naiveMs } from './wall-clock';

const UTC = 'UTC';
const iso = (d: Date | undefined) => d?.toISOString().replace('.000Z', 'Z');
const next = (spec: string, after: string, tz = UTC) => iso(nextScheduleTime(parseCronSchedule(spec), new Date(after), tz));
const prev = (spec: string, at: string, tz = UTC) => iso(previousScheduleTime(parseCronSchedule(spec) as CalendarSchedule, new Date(at), tz));
const values = (spec: string, field: 'minutes' | 'hours' | 'dom' | 'months' | 'dow') => [...(parseCronSchedule(spec) as CalendarSchedule)[field].values].sort((a, b) => a - b);

describe('parseCronSchedule', () => {
  it.each<[string, 'minutes' | 'hours' | 'dom' | 'months' | 'dow', number[]]>([
    ['*/15 * * * *', 'minutes', [0, 15, 30, 45]],
    ['5 * * * *', 'minutes', [5]],
    ['5,10-12 * * * *', 'minutes', [5, 10, 11, 12]],
    ['10-20/5 * * * *', 'minutes', [10, 15, 20]],
    ['50/4 * * * *', 'minutes', [50, 54, 58]], // N/step means N-max/step
    ['0 */6 * * *', 'hours', [0, 6, 12, 18]],
    ['0 0 1,15 * *', 'dom', [1, 15]],
    ['0 0 * jan-mar *', 'months', [1, 2, 3]],
    ['0 0 * JUN,dec *', 'months', [6, 12]],
    ['0 0 * * mon-fri', 'dow', [1, 2, 3, 4, 5]],
    ['0 0 * * SUN,sat', 'dow', [0, 6]],
    ['0 0 ? * 1', 'dom', Array.from({ length: 31 }, (_, i) => i + 1)],
  ])('%s → %s %j', (spec, field, expected) => {
    expect(values(spec, field)).toEqual(expected);
  });

  it.each([
    ['@hourly', '0 * * * *'],
    ['@daily', '0 0 * * *'],
    ['@midnight', '0 0 * * *'],
    ['@weekly', '0 0 * * 0'],
    ['@monthly', '0 0 1 * *'],
    ['@yearly', '0 0 1 1 *'],
    ['@annually', '0 0 1 1 *'],
  ])('%s is %s', (descriptor, fields) => {
    expect(parseCronSchedule(descriptor)).toEqual(parseCronSchedule(fields));
  });

  it('reads @every durations as Go does, at least one second', () => {
    expect(parseCronSchedule('@every 1h30m')).toEqual({ kind: 'every', delayMs: 5_400_000 });
    expect(parseCronSchedule('@every 90s')).toEqual({ kind: 'every', delayMs: 90_000 });
    expect(parseCronSchedule('@every 1.5m')).toEqual({ kind: 'every', delayMs: 90_000 });
    expect(parseCronSchedule('@every 10ms')).toEqual({ kind: 'every', delayMs: 1_000 });
  });

  it.each([
    ['', 'empty spec string'],
    ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
    ['* * * * * *', 'expected exactly 5 fields, found 6: [* * * * * *]'],
    ['@often', 'unrecognized descriptor: @often'],
    ['@every fast', 'failed to parse duration @every fast: time: invalid duration "fast"'],
    ['60 * * * *', 'end of range (60) above maximum (59): 60'],
    ['* 24 * * *', 'end of range (24) above maximum (23): 24'],
    ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['* * * 13 *', 'end of range (13) above maximum (12): 13'],
    ['* * * * 7', 'end of range (7) above maximum (6): 7'],
    ['5-1 * * * *', 'beginning of range (5) beyond end of range (1): 5-1'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
    ['*/2/3 * * * *', 'too many slashes: */2/3'],
    ['x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    ['* * * foo *', 'failed to parse int from foo: strconv.Atoi: parsing "foo": invalid syntax'],
  ])('rejects %j: %s', (spec, message) => {
    expect(() => parseCronSchedule(spec)).toThrow(new CronParseError(message));
  });
});

describe('nextScheduleTime', () => {
  it.each([
    ['*/1 * * * *', '2026-03-01T10:00:00Z', '2026-03-01T10:01:00Z'],
    ['*/1 * * * *', '2026-03-01T10:00:59Z', '2026-03-01T10:01:00Z'],
    ['*/5 * * * *', '2026-03-01T10:03:00Z', '2026-03-01T10:05:00Z'],
    ['30 2 * * *', '2026-03-01T10:00:00Z', '2026-03-02T02:30:00Z'],
    ['@hourly', '2026-03-01T10:00:00Z', '2026-03-01T11:00:00Z'],
    ['@monthly', '2026-12-15T00:00:00Z', '2027-01-01T00:00:00Z'],
    ['0 0 29 2 *', '2026-03-01T00:00:00Z', '2028-02-29T00:00:00Z'],
    ['0 9 * * mon', '2026-03-01T10:00:00Z', '2026-03-02T09:00:00Z'], // 2026-03-01 is a Sunday
    // Both day fields restricted: either matches (the 15th, or a Friday).
    ['0 0 15 * fri', '2026-03-01T00:00:00Z', '2026-03-06T00:00:00Z'],
    ['0 0 15 * fri', '2026-03-13T00:00:00Z', '2026-03-15T00:00:00Z'],
    // One day field is a star: both must match, so the star one always does.
    ['0 0 13 * *', '2026-03-01T00:00:00Z', '2026-03-13T00:00:00Z'], // any weekday
    ['0 0 */10 * fri', '2026-03-01T00:00:00Z', '2026-03-06T00:00:00Z'], // */10 is not a star: OR
  ])('%s after %s → %s', (spec, after, expected) => {
    expect(next(spec, after)).toBe(expected);
  });

  it('never fires for a date that does not exist within five years', () => {
    expect(next('0 0 30 2 *', '2026-01-01T00:00:00Z')).toBeUndefined();
  });

  it('uses the wall clock of the time zone', () => {
    // 09:00 in New York is 14:00 UTC in winter (EST) and 13:00 UTC in summer (EDT).
    expect(next('0 9 * * *', '2026-01-10T00:00:00Z', 'America/New_York')).toBe('2026-01-10T14:00:00Z');
    expect(next('0 9 * * *', '2026-07-10T00:00:00Z', 'America/New_York')).toBe('2026-07-10T13:00:00Z');
    expect(next('0 0 * * *', '2026-01-10T00:00:00Z', 'Asia/Kolkata')).toBe('2026-01-10T18:30:00Z');
  });

  it('skips a wall time that DST jumps over and fires a repeated one once', () => {
    // 2026-03-08: New York goes from 01:59 EST to 03:00 EDT; 02:30 does not exist that day.
    expect(next('30 2 * * *', '2026-03-08T00:00:00Z', 'America/New_York')).toBe('2026-03-09T06:30:00Z');
    // 2026-11-01: 01:00–01:59 happens twice; the first (EDT, UTC-4) fires, the second does not.
    const first = next('30 1 * * *', '2026-11-01T00:00:00Z', 'America/New_York');
    expect(first).toBe('2026-11-01T05:30:00Z');
    expect(next('30 1 * * *', first!, 'America/New_York')).toBe('2026-11-02T06:30:00Z');
  });

  it('adds an @every delay to the time given, to the second', () => {
    expect(next('@every 90s', '2026-03-01T10:00:00.700Z')).toBe('2026-03-01T10:01:30Z');
  });
});

describe('previousScheduleTime', () => {
  it.each([
    ['*/1 * * * *', '2026-03-01T10:00:00Z', '2026-03-01T10:00:00Z'],
    ['*/1 * * * *', '2026-03-01T10:00:30Z', '2026-03-01T10:00:00Z'],
    ['*/15 * * * *', '2026-03-01T10:14:00Z', '2026-03-01T10:00:00Z'],
    ['30 2 * * *', '2026-03-01T02:29:00Z', '2026-02-28T02:30:00Z'],
    ['0 0 1 1 *', '2026-03-01T00:00:00Z', '2026-01-01T00:00:00Z'],
    ['0 0 29 2 *', '2027-06-01T00:00:00Z', '2024-02-29T00:00:00Z'],
  ])('%s at or before %s → %s', (spec, at, expected) => {
    expect(prev(spec, at)).toBe(expected);
  });

  it('uses the wall clock of the time zone', () => {
    expect(prev('0 9 * * *', '2026-01-10T13:59:00Z', 'America/New_York')).toBe('2026-01-09T14:00:00Z');
  });
});

describe('mostRecentScheduleTime', () => {
  const s = parseCronSchedule('*/1 * * * *');
  const at = (t: string) => new Date(t);

  it('finds nothing due before the first scheduled time', () => {
    const r = mostRecentScheduleTime(s, at('2026-03-01T10:00:10Z'), at('2026-03-01T10:00:50Z'), UTC);
    expect(r).toEqual({ missed: 0, next: at('2026-03-01T10:01:00Z'), time: undefined });
  });

  it('gives the latest due time and counts the missed ones', () => {
    const r = mostRecentScheduleTime(s, at('2026-03-01T10:00:00Z'), at('2026-03-01T10:05:30Z'), UTC);
    expect(r).toEqual({ time: at('2026-03-01T10:05:00Z'), missed: 5, next: at('2026-03-01T10:06:00Z') });
  });

  it('stops counting above 100 missed runs', () => {
    const r = mostRecentScheduleTime(s, at('2026-03-01T00:00:00Z'), at('2026-03-02T00:00:00Z'), UTC);
    expect(r.time).toEqual(at('2026-03-02T00:00:00Z'));
    expect(r.missed).toBe(101);
  });

  it('treats the earliest time itself as done', () => {
    expect(mostRecentScheduleTime(s, at('2026-03-01T10:05:00Z'), at('2026-03-01T10:05:20Z'), UTC).time).toBeUndefined();
  });

  it('counts @every from the earliest time', () => {
    const every = parseCronSchedule('@every 10m');
    const r = mostRecentScheduleTime(every, at('2026-03-01T10:00:00Z'), at('2026-03-01T10:25:00Z'), UTC);
    expect(r).toEqual({ time: at('2026-03-01T10:20:00Z'), missed: 2, next: at('2026-03-01T10:30:00Z') });
  });
});

describe('time zones', () => {
  it('knows IANA zones, refuses unknown ones and Local', () => {
    expect(isKnownTimeZone('Europe/Berlin')).toBe(true);
    expect(isKnownTimeZone('UTC')).toBe(true);
    expect(isKnownTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isKnownTimeZone('Local')).toBe(false);
    expect(isKnownTimeZone('')).toBe(false);
  });

  it('formats an instant as RFC 3339 in a zone, as Go does', () => {
    const t = Date.parse('2026-03-01T10:00:42.500Z');
    expect(formatInTimeZone(t, 'UTC')).toBe('2026-03-01T10:00:42Z');
    expect(formatInTimeZone(t, 'Europe/Berlin')).toBe('2026-03-01T11:00:42+01:00');
    expect(formatInTimeZone(t, 'America/New_York')).toBe('2026-03-01T05:00:42-05:00');
    expect(formatInTimeZone(t, 'Asia/Kolkata')).toBe('2026-03-01T15:30:42+05:30');
  });

  it('maps a wall clock to its instant', () => {
    expect(instantOf(naiveMs({ year: 2026, month: 7, day: 1, hour: 12, minute: 0 }), 'Europe/Berlin')).toBe(Date.parse('2026-07-01T10:00:00Z'));
    expect(instantOf(naiveMs({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 }), 'Europe/Berlin')).toBeUndefined();
  });
});
