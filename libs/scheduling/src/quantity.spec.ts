import { intValue, milliValue, parseQuantity } from './quantity';

describe('parseQuantity', () => {
  it.each([
    ['500m', 0.5],
    ['1Gi', 1073741824],
    ['128974848', 128974848],
    ['1.5', 1.5],
    ['2k', 2000],
    ['129M', 129e6],
    ['123Mi', 123 * 1024 * 1024],
    ['1e3', 1000],
    ['1E-3', 0.001],
    ['100n', 1e-7],
    ['-2', -2],
    ['.5', 0.5],
    [4, 4],
  ])('%s → %s', (input, expected) => {
    expect(parseQuantity(input)).toBeCloseTo(expected, 12);
  });

  it.each(['', 'abc', '1KiB', '1 Gi', '1.2.3', 'Mi', '1ki'])('rejects %j', (input) => {
    expect(() => parseQuantity(input)).toThrow(/quantities must match/);
  });
});

describe('milliValue (CPU)', () => {
  it.each([
    ['1', 1000],
    ['1.1', 1100],
    ['250m', 250],
    ['0.0001', 1], // rounds up like resource.Quantity.MilliValue
    ['1500u', 2],
    ['2k', 2_000_000],
  ])('%s → %d millicores', (input, expected) => {
    expect(milliValue(input)).toBe(expected);
  });
});

describe('intValue (memory)', () => {
  it.each([
    ['1Gi', 1073741824],
    ['1.5Ki', 1536],
    ['128974848', 128974848],
    ['129e6', 129000000],
    ['500m', 1],
  ])('%s → %d bytes', (input, expected) => {
    expect(intValue(input)).toBe(expected);
  });
});
