import { InMemoryEventStore } from '@logbook/eventstore';
import { CURRENT_SCHEMA_VERSION } from '@logbook/events';
import { parseDuration, parsePoint, resolvePoint, resolveRange } from './points';

const NOW = new Date('2025-03-01T12:00:00Z');

async function logAt(times: string[]): Promise<InMemoryEventStore> {
  const store = new InMemoryEventStore();
  for (const [i, time] of times.entries()) {
    await store.append(`Pod/ns/p${i}`, [{ id: `e${i}`, type: 'PodCreated', data: {}, metadata: { time, actor: 'a', schemaVersion: CURRENT_SCHEMA_VERSION } }], 'no_stream');
  }
  return store;
}

describe('parsePoint', () => {
  it.each([
    ['1234', { position: 1234 }],
    ['2025-03-01T11:00:00Z', { time: new Date('2025-03-01T11:00:00Z') }],
    ['2025-03-01T13:00:00.5+02:00', { time: new Date('2025-03-01T11:00:00.5Z') }],
    ['10m', { time: new Date('2025-03-01T11:50:00Z') }],
    ['-10m', { time: new Date('2025-03-01T11:50:00Z') }],
    ['1h30m', { time: new Date('2025-03-01T10:30:00Z') }],
  ])('reads %s', (text, expected) => {
    expect(parsePoint(text, NOW)).toEqual(expected);
  });

  it.each(['yesterday', '2025-03-01', '2025-13-01T00:00:00Z', '10x', '-', '1.5.2'])('rejects %s with a 400 that names the accepted forms', (text) => {
    expect(() => parsePoint(text, NOW)).toThrow(expect.objectContaining({ code: 400, message: expect.stringContaining('RFC 3339') }));
  });

  it('reads Go-style durations', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('abc')).toBeUndefined();
  });
});

describe('resolvePoint', () => {
  it('maps resourceVersions and times within the log to positions', async () => {
    const store = await logAt(['2025-03-01T10:00:00Z', '2025-03-01T11:00:00Z', '2025-03-01T11:30:00Z']);
    expect(await resolvePoint(store, '2', NOW)).toBe(2);
    expect(await resolvePoint(store, '2025-03-01T11:10:00Z', NOW)).toBe(2);
    expect(await resolvePoint(store, '5m', NOW)).toBe(3);
  });

  it.each([
    ['0', /before the log's start.*first resourceVersion is 1/],
    ['4', /after the log's end.*newest resourceVersion is 3/],
    ['2025-03-01T09:00:00Z', /before the log's start: the first event was written at 2025-03-01T10:00:00Z/],
    ['2025-03-01T12:10:00Z', /after the log's end: it is in the future/],
    ['3h', /before the log's start/],
  ])('rejects %s as outside the log', async (text, message) => {
    const store = await logAt(['2025-03-01T10:00:00Z', '2025-03-01T11:00:00Z', '2025-03-01T11:30:00Z']);
    await expect(resolvePoint(store, text, NOW)).rejects.toMatchObject({ code: 400, message: expect.stringMatching(message) });
  });

  it('says so when the log is empty', async () => {
    await expect(resolvePoint(new InMemoryEventStore(), '1', NOW)).rejects.toMatchObject({ code: 400, message: expect.stringContaining('empty') });
  });
});

describe('resolveRange', () => {
  it('turns since (inclusive) and until (inclusive) into position bounds, clamped to the log', async () => {
    const store = await logAt(['2025-03-01T10:00:00Z', '2025-03-01T11:00:00Z', '2025-03-01T11:30:00Z']);
    expect(await resolveRange(store, null, null, NOW)).toEqual({ after: 0, to: 3 });
    expect(await resolveRange(store, '2025-03-01T11:00:00Z', null, NOW)).toEqual({ after: 1, to: 3 });
    expect(await resolveRange(store, '2', '2', NOW)).toEqual({ after: 1, to: 2 });
    expect(await resolveRange(store, '1d', '45m', NOW)).toEqual({ after: 0, to: 2 });
    expect(await resolveRange(store, null, '99', NOW)).toEqual({ after: 0, to: 3 });
  });

  it('rejects a backwards range and malformed bounds', async () => {
    const store = await logAt(['2025-03-01T10:00:00Z']);
    await expect(resolveRange(store, '3', '1', NOW)).rejects.toMatchObject({ code: 400, message: expect.stringContaining('is after until') });
    await expect(resolveRange(store, 'soon', null, NOW)).rejects.toMatchObject({ code: 400, message: expect.stringContaining('invalid since') });
  });
});
