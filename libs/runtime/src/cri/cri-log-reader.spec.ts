import { normalizeTimestamp, parseCriLog } from './cri-log-reader';

describe('parseCriLog', () => {
  it('reads records and joins partial ones', () => {
    const text = ['2026-12-06T18:50:11.1Z stdout F one', '2026-12-06T18:50:11.2Z stdout P tw', '2026-12-06T18:50:11.3Z stdout F o', '2026-12-06T18:50:11.4Z stderr F ', ''].join('\n');
    const { entries, rest } = parseCriLog(text, false);
    expect(entries.map((e) => [e.stream, e.text])).toEqual([
      ['stdout', 'one'],
      ['stdout', 'two'],
      ['stderr', ''],
    ]);
    expect(rest).toBe('');
  });

  it('holds back what the runtime has not finished writing, unless the container ended', () => {
    const text = '2026-12-06T18:50:11Z stdout F done\n2026-12-06T18:50:12Z stdout P half\n2026-12-06T18:50:13Z stdout F no newline';
    expect(parseCriLog(text, false)).toMatchObject({ entries: [{ text: 'done' }], rest: '2026-12-06T18:50:12Z stdout P half\n2026-12-06T18:50:13Z stdout F no newline' });
    expect(parseCriLog(text, true).entries.map((e) => e.text)).toEqual(['done', 'halfno newline']);
  });
});

describe('normalizeTimestamp', () => {
  it.each([
    ['2026-12-06T18:50:11.123456789Z', '2026-12-06T18:50:11.123456789Z'],
    ['2026-12-06T18:50:11.1Z', '2026-12-06T18:50:11.100000000Z'],
    ['2026-12-06T18:50:11Z', '2026-12-06T18:50:11.000000000Z'],
    ['2026-12-06T19:50:11.5+01:00', '2026-12-06T18:50:11.500000000Z'],
  ])('%s → %s', (given, expected) => {
    expect(normalizeTimestamp(given).timestamp).toBe(expected);
  });

  it('keeps milliseconds in the Date', () => {
    expect(normalizeTimestamp('2026-12-06T18:50:11.123456Z').time.toISOString()).toBe('2026-12-06T18:50:11.123Z');
  });
});
