import { comparePositions, PositionIndex } from './position-index';

const at = (commit: number, prepare = commit) => ({ commit: BigInt(commit), prepare: BigInt(prepare) });

describe('PositionIndex', () => {
  it('numbers events 1, 2, 3 … in $all order, whatever the gaps between EventStoreDB positions', () => {
    const index = new PositionIndex();
    expect(index.head).toBe(0);
    expect(index.lastEsdbPosition).toBeUndefined();
    expect(index.add('a', at(1000), 10)).toBe(1);
    expect(index.add('b', at(5000, 5000), 20)).toBe(2);
    expect(index.add('c', at(5000, 5400), 20)).toBe(3); // same commit, later prepare: one append of two events
    expect(index.head).toBe(3);
    expect(index.esdbPosition(2)).toEqual(at(5000));
    expect(index.lastEsdbPosition).toEqual(at(5000, 5400));
    expect([index.positionOf('a'), index.positionOf('c'), index.positionOf('x')]).toEqual([1, 3, undefined]);
  });

  it('ignores an event it has numbered already (a resubscription delivering it again)', () => {
    const index = new PositionIndex();
    index.add('a', at(100), 1);
    index.add('b', at(200), 1);
    expect(index.add('b', at(200), 1)).toBeUndefined();
    expect(index.add('a', at(100), 1)).toBeUndefined();
    expect(index.head).toBe(2);
  });

  it('grows past its initial capacity', () => {
    const index = new PositionIndex();
    for (let i = 1; i <= 5000; i++) index.add(`e${i}`, at(i * 64), i);
    expect(index.head).toBe(5000);
    expect(index.esdbPosition(4097)).toEqual(at(4097 * 64));
    expect(index.positionOf('e4999')).toBe(4999);
  });

  it('rejects positions outside the log', () => {
    const index = new PositionIndex();
    index.add('a', at(1), 1);
    expect(() => index.esdbPosition(0)).toThrow(RangeError);
    expect(() => index.esdbPosition(2)).toThrow(/1\.\.1/);
  });

  it('maps a time to the highest position at or before it (writers’ clocks may disagree)', () => {
    const index = new PositionIndex();
    [10, 30, 20, 40].forEach((t, i) => index.add(`e${i}`, at(i + 1), t));
    expect(index.positionAtTime(5)).toBe(0);
    expect(index.positionAtTime(10)).toBe(1);
    expect(index.positionAtTime(25)).toBe(3);
    expect(index.positionAtTime(99)).toBe(4);
  });

  it('remembers the first Created event of a uid', () => {
    const index = new PositionIndex();
    index.add('a', at(1), 1, 'uid-1');
    index.add('b', at(2), 1);
    index.add('c', at(3), 1, 'uid-1');
    expect(index.creationOf('uid-1')).toBe(1);
    expect(index.creationOf('uid-2')).toBeUndefined();
  });
});

describe('comparePositions', () => {
  it('orders by commit, then prepare', () => {
    expect(comparePositions(at(1, 1), at(2, 0))).toBe(-1);
    expect(comparePositions(at(2, 5), at(2, 3))).toBe(1);
    expect(comparePositions(at(2, 3), at(2, 3))).toBe(0);
  });
});
