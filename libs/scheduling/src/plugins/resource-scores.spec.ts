import { buildNodeInfos } from '../node-info';
import { makeNode, makePod } from '../testing/builders';
import { nodeResourcesBalancedAllocation, nodeResourcesLeastAllocated } from './resource-scores';

describe('NodeResourcesLeastAllocated', () => {
  it.each([
    // (4000-1000)*100/4000 = 75 for cpu, (16Gi-4Gi)/16Gi = 75 for memory
    { name: 'free share after placing the pod', pod: makePod().requests({ cpu: '1', memory: '4Gi' }).obj(), node: makeNode().capacity({ cpu: '4', memory: '16Gi' }).obj(), existing: [], want: 75 },
    { name: 'mean of cpu and memory', pod: makePod().requests({ cpu: '2', memory: '4Gi' }).obj(), node: makeNode().capacity({ cpu: '4', memory: '16Gi' }).obj(), existing: [], want: 62 },
    {
      name: 'pods already there count',
      pod: makePod().requests({ cpu: '1', memory: '4Gi' }).obj(),
      node: makeNode().capacity({ cpu: '4', memory: '16Gi' }).obj(),
      existing: [makePod('a').requests({ cpu: '2', memory: '8Gi' }).nodeName('n1').obj()],
      want: 25,
    },
    // 100m and 200Mi stand in for missing requests: (4000-100)*100/4000 = 97, (16384-200)*100/16384 = 98
    { name: 'non-zero defaults for a pod without requests', pod: makePod().obj(), node: makeNode().capacity({ cpu: '4', memory: '16Gi' }).obj(), existing: [], want: 97 },
    { name: 'over capacity scores 0 for that resource', pod: makePod().requests({ cpu: '8', memory: '8Gi' }).obj(), node: makeNode().capacity({ cpu: '4', memory: '16Gi' }).obj(), existing: [], want: 25 },
  ])('$name', ({ pod, node, existing, want }) => {
    const [info] = buildNodeInfos([node], existing);
    expect(nodeResourcesLeastAllocated.score(pod, info, [info])).toBe(want);
  });
});

describe('NodeResourcesBalancedAllocation', () => {
  it.each([
    { name: 'even fill', pod: makePod().requests({ cpu: '1', memory: '4Gi' }).obj(), node: makeNode().capacity({ cpu: '4', memory: '16Gi' }).obj(), existing: [], want: 100 },
    // fractions 0.5 and 0.125: std = 0.1875 → 81
    { name: 'uneven fill', pod: makePod().requests({ cpu: '2', memory: '2Gi' }).obj(), node: makeNode().capacity({ cpu: '4', memory: '16Gi' }).obj(), existing: [], want: 81 },
    // cpu capped at 1, memory 0: std 0.5 → 50
    { name: 'fractions are capped at 1', pod: makePod().requests({ cpu: '8' }).obj(), node: makeNode().capacity({ cpu: '4', memory: '16Gi' }).obj(), existing: [], want: 50 },
    {
      name: 'existing pods count (real requests, no defaults)',
      pod: makePod().requests({ cpu: '1' }).obj(),
      node: makeNode().capacity({ cpu: '4', memory: '16Gi' }).obj(),
      existing: [makePod('a').requests({ memory: '4Gi' }).nodeName('n1').obj(), makePod('b').nodeName('n1').obj()],
      want: 100,
    },
  ])('$name', ({ pod, node, existing, want }) => {
    const [info] = buildNodeInfos([node], existing);
    expect(nodeResourcesBalancedAllocation.score(pod, info, [info])).toBe(want);
  });
});
