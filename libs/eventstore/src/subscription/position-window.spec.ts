import { PositionWindow } from './position-window';

const items = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => ({ position: from + i }));

describe('PositionWindow', () => {
  it('reads what it holds after a position, [] when nothing is newer, undefined when the start is gone', () => {
    const window = new PositionWindow<{ position: number }>(1, 4);
    window.push(items(1, 9)); // over 2 × capacity: trimmed to the newest 4
    expect(window.read(5, 10)!.map((i) => i.position)).toEqual([6, 7, 8, 9]);
    expect(window.read(6, 2)!.map((i) => i.position)).toEqual([7, 8]);
    expect(window.read(9, 10)).toEqual([]);
    expect(window.read(4, 10)).toBeUndefined();
    expect(window.next).toBe(10);
  });

  it('starts over at a gap', () => {
    const window = new PositionWindow<{ position: number }>(1, 4);
    window.push(items(1, 3));
    window.push(items(7, 8));
    expect(window.read(6, 10)!.map((i) => i.position)).toEqual([7, 8]);
    expect(window.read(2, 10)).toBeUndefined();
  });
});
