import { formatAge, humanDuration } from './human-duration';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('humanDuration', () => {
  it.each<[number, string]>([
    [-5 * S, '<invalid>'],
    [-500, '0s'],
    [0, '0s'],
    [45 * S, '45s'],
    [119 * S, '119s'],
    [2 * M, '2m'],
    [5 * M, '5m'],
    [5 * M + 30 * S, '5m30s'],
    [9 * M + 59 * S, '9m59s'],
    [10 * M + 30 * S, '10m'],
    [179 * M, '179m'],
    [3 * H, '3h'],
    [3 * H + 12 * M, '3h12m'],
    [8 * H + 12 * M, '8h'],
    [47 * H, '47h'],
    [2 * D, '2d'],
    [2 * D + 3 * H, '2d3h'],
    [8 * D + 3 * H, '8d'],
    [45 * D, '45d'],
    [729 * D, '729d'],
    [2 * 365 * D, '2y'],
    [3 * 365 * D + 10 * D, '3y10d'],
    [9 * 365 * D + 10 * D, '9y'],
  ])('%d ms → %s', (ms, expected) => {
    expect(humanDuration(ms)).toBe(expected);
  });
});

describe('formatAge', () => {
  const now = new Date('2024-01-01T12:00:00Z');
  it.each<[string | null | undefined, string]>([
    ['2024-01-01T11:55:00Z', '5m'],
    ['2023-12-30T09:00:00Z', '2d3h'],
    [null, '<unknown>'],
    [undefined, '<unknown>'],
    ['not a date', '<unknown>'],
  ])('%s → %s', (from, expected) => {
    expect(formatAge(from, now)).toBe(expected);
  });
});
