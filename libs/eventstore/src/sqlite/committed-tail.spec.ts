import { anEvent } from '../testing/fixtures';
import { CommittedTail, type CommittedEvent } from './committed-tail';
import { toParams } from './rows';

function committed(from: number, count: number): CommittedEvent[] {
  return Array.from({ length: count }, (_, i) => ({ position: from + i, stream: 's', revision: from + i - 1, params: toParams(anEvent()) }));
}

describe('CommittedTail', () => {
  it('serves events after a position it still holds, and undefined for older ones', () => {
    const tail = new CommittedTail(10, 4);
    tail.push(committed(11, 3));
    expect(tail.read(10, 100)!.map((e) => e.position)).toEqual([11, 12, 13]);
    expect(tail.read(11, 1)!.map((e) => e.position)).toEqual([12]);
    expect(tail.read(13, 100)).toEqual([]);
    expect(tail.read(9, 100)).toBeUndefined();
  });

  it('forgets the oldest events beyond its capacity', () => {
    const tail = new CommittedTail(0, 4);
    for (let p = 1; p <= 20; p += 2) tail.push(committed(p, 2));
    expect(tail.read(0, 100)).toBeUndefined();
    expect(tail.read(16, 100)!.map((e) => e.position)).toEqual([17, 18, 19, 20]);
  });

  it('hands every reader the same frozen event, parsed from the serialised row', () => {
    const tail = new CommittedTail(0, 4, true);
    const [row] = committed(1, 1);
    tail.push([row]);
    const [a] = tail.read(0, 1)!;
    const [b] = tail.read(0, 1)!;
    expect(a).toBe(b);
    expect(a).toMatchObject({ position: 1, stream: 's', revision: 0, id: row.params[0] });
    expect(Object.isFrozen(a) && Object.isFrozen(a.metadata) && Object.isFrozen(a.data)).toBe(true);
    expect(() => ((a.data as Record<string, unknown>).x = 1)).toThrow(TypeError);
  });
});
