import { buildNodeInfos, makeNodeInfo } from '../node-info';
import { makeNode, makePod } from '../testing/builders';
import { nodeAffinityFilter, nodeAffinityScore } from './node-affinity';

const expr = (key: string, operator: string, values?: string[]) => ({ matchExpressions: [{ key, operator, ...(values ? { values } : {}) }] });

describe('NodeAffinity filter (nodeSelector + required affinity)', () => {
  const node = makeNode('n1').addLabels({ zone: 'a', disk: 'ssd', cores: '8' }).obj();
  const fail = { code: 'UnschedulableAndUnresolvable', reasons: ["node(s) didn't match Pod's node affinity/selector"] };
  const ok = { code: 'Success', reasons: [] };

  it.each([
    { name: 'no constraints', pod: makePod().obj(), want: ok },
    { name: 'nodeSelector matches', pod: makePod().nodeSelector({ zone: 'a', disk: 'ssd' }).obj(), want: ok },
    { name: 'nodeSelector value differs', pod: makePod().nodeSelector({ zone: 'b' }).obj(), want: fail },
    { name: 'nodeSelector label missing', pod: makePod().nodeSelector({ gpu: 'true' }).obj(), want: fail },
    { name: 'In', pod: makePod().requiredAffinity(expr('zone', 'In', ['a', 'b'])).obj(), want: ok },
    { name: 'In, no match', pod: makePod().requiredAffinity(expr('zone', 'In', ['c'])).obj(), want: fail },
    { name: 'NotIn', pod: makePod().requiredAffinity(expr('zone', 'NotIn', ['c'])).obj(), want: ok },
    { name: 'NotIn, excluded', pod: makePod().requiredAffinity(expr('zone', 'NotIn', ['a'])).obj(), want: fail },
    { name: 'NotIn on a missing label matches', pod: makePod().requiredAffinity(expr('gpu', 'NotIn', ['x'])).obj(), want: ok },
    { name: 'Exists', pod: makePod().requiredAffinity(expr('disk', 'Exists')).obj(), want: ok },
    { name: 'Exists, missing', pod: makePod().requiredAffinity(expr('gpu', 'Exists')).obj(), want: fail },
    { name: 'DoesNotExist', pod: makePod().requiredAffinity(expr('gpu', 'DoesNotExist')).obj(), want: ok },
    { name: 'DoesNotExist, present', pod: makePod().requiredAffinity(expr('disk', 'DoesNotExist')).obj(), want: fail },
    { name: 'Gt', pod: makePod().requiredAffinity(expr('cores', 'Gt', ['4'])).obj(), want: ok },
    { name: 'Gt, not greater', pod: makePod().requiredAffinity(expr('cores', 'Gt', ['8'])).obj(), want: fail },
    { name: 'Lt', pod: makePod().requiredAffinity(expr('cores', 'Lt', ['16'])).obj(), want: ok },
    { name: 'Lt on a non-integer label', pod: makePod().requiredAffinity(expr('zone', 'Lt', ['16'])).obj(), want: fail },
    { name: 'terms are ORed', pod: makePod().requiredAffinity(expr('zone', 'In', ['x']), expr('disk', 'In', ['ssd'])).obj(), want: ok },
    {
      name: 'expressions in a term are ANDed',
      pod: makePod().requiredAffinity({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }, { key: 'disk', operator: 'In', values: ['hdd'] }] }).obj(),
      want: fail,
    },
    { name: 'matchFields metadata.name In', pod: makePod().requiredAffinity({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }).obj(), want: ok },
    { name: 'matchFields metadata.name NotIn', pod: makePod().requiredAffinity({ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n1'] }] }).obj(), want: fail },
    { name: 'an empty term matches nothing', pod: makePod().requiredAffinity({}).obj(), want: fail },
    { name: 'selector and affinity both apply', pod: makePod().nodeSelector({ zone: 'b' }).requiredAffinity(expr('disk', 'Exists')).obj(), want: fail },
  ])('$name', ({ pod, want }) => {
    expect(nodeAffinityFilter.filter(pod, makeNodeInfo(node, []))).toEqual(want);
  });
});

describe('NodeAffinity score (preferred)', () => {
  const nodes = [makeNode('a').addLabels({ zone: 'a', disk: 'ssd' }).obj(), makeNode('b').addLabels({ zone: 'b', disk: 'ssd' }).obj(), makeNode('c').addLabels({ zone: 'c' }).obj()];
  const infos = buildNodeInfos(nodes, []);
  it.each([
    { name: 'no preferences: all 0', prefs: [], expected: [0, 0, 0] },
    { name: 'one preference: matching nodes 100', prefs: [{ weight: 5, preference: expr('disk', 'In', ['ssd']) }], expected: [100, 100, 0] },
    {
      name: 'weights add up, normalised to the best node',
      prefs: [
        { weight: 1, preference: expr('disk', 'In', ['ssd']) },
        { weight: 3, preference: expr('zone', 'In', ['a']) },
      ],
      expected: [100, 25, 0],
    },
  ])('$name', ({ prefs, expected }) => {
    const pod = makePod().preferredAffinity(...prefs).obj();
    expect(infos.map((i) => nodeAffinityScore.score(pod, i, infos))).toEqual(expected);
  });
});
