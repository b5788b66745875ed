import type { SnapshotEntry } from '../event-store.port';
import { chunkEntries, chunksOverlapping } from './side-streams';

const entry = (stream: string, size = 10): SnapshotEntry => [stream, 'x'.repeat(size)];

describe('snapshot chunks', () => {
  it('sorts entries by stream and cuts them at the byte budget, never leaving a chunk empty', () => {
    const chunks = chunkEntries([entry('Pod/b', 60), entry('Node/n1', 60), entry('Pod/a', 60), entry('Big', 500)], 100);
    expect(chunks.map((c) => c.map(([s]) => s))).toEqual([['Big'], ['Node/n1'], ['Pod/a'], ['Pod/b']]);
    expect(chunkEntries([], 100)).toEqual([[]]);
    expect(chunkEntries([entry('a'), entry('b'), entry('c')], 1000)).toHaveLength(1);
  });

  it('finds the chunks whose stream range meets a scope', () => {
    // chunk 0: [Node/a, Pod/a/x), chunk 1: [Pod/a/x, Pod/c), chunk 2: [Pod/c, ∞)
    const firsts = ['Node/a', 'Pod/a/x', 'Pod/c'];
    expect(chunksOverlapping(firsts, 'Pod/a', 'Pod/a0')).toEqual([0, 1]);
    expect(chunksOverlapping(firsts, 'Pod/b', 'Pod/b0')).toEqual([1, 1]);
    expect(chunksOverlapping(firsts, 'Pod/c', 'Pod/c0')).toEqual([2, 2]);
    expect(chunksOverlapping(firsts, 'Node', 'Node0')).toEqual([0, 0]);
    expect(chunksOverlapping(firsts, 'A', 'A0')).toEqual([0, -1]);
  });
});
