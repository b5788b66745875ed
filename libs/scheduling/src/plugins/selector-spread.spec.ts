import { buildNodeInfos } from '../node-info';
import { makeNode, makePod } from '../testing/builders';
import { selectorSpread } from './selector-spread';

describe('SelectorSpread (by controller owner)', () => {
  const nodes = [makeNode('a').obj(), makeNode('b').obj(), makeNode('c').obj()];
  const sibling = (name: string, node: string, uid = 'rs-1', ns = 'default') => makePod(name).namespace(ns).owner('ReplicaSet', 'web', uid).nodeName(node).obj();

  it.each([
    { name: 'no siblings anywhere: all 100', pod: makePod('new').owner('ReplicaSet', 'web', 'rs-1').obj(), existing: [], want: [100, 100, 100] },
    { name: 'a pod without an owner: all 100', pod: makePod('new').obj(), existing: [sibling('x', 'a')], want: [100, 100, 100] },
    { name: 'fewer siblings score higher', pod: makePod('new').owner('ReplicaSet', 'web', 'rs-1').obj(), existing: [sibling('x', 'a'), sibling('y', 'a'), sibling('z', 'b')], want: [0, 50, 100] },
    { name: 'pods of other owners do not count', pod: makePod('new').owner('ReplicaSet', 'web', 'rs-1').obj(), existing: [sibling('x', 'a', 'rs-2'), sibling('y', 'b')], want: [100, 0, 100] },
    { name: 'same owner uid in another namespace does not count', pod: makePod('new').owner('ReplicaSet', 'web', 'rs-1').obj(), existing: [sibling('x', 'a', 'rs-1', 'other'), sibling('y', 'b')], want: [100, 0, 100] },
  ])('$name', ({ pod, existing, want }) => {
    const infos = buildNodeInfos(nodes, existing);
    expect(infos.map((i) => selectorSpread.score(pod, i, infos))).toEqual(want);
  });
});
