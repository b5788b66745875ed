import { buildNodeInfos } from './node-info';
import { buildProfile } from './registry';
import { fitErrorMessage, numFeasibleNodesToFind, schedule } from './schedule';
import { unresolvable, unschedulable } from './status';
import { makeNode, makePod } from './testing/builders';

describe('fitErrorMessage (kube-scheduler FitError format)', () => {
  it.each([
    {
      name: 'counts identical reasons and sorts the "<count> <reason>" strings',
      nodes: 5,
      statuses: [unschedulable('Insufficient cpu'), unschedulable('Insufficient cpu'), unschedulable('Insufficient cpu'), unresolvable('node(s) had untolerated taint {node.kubernetes.io/unreachable: }'), unresolvable('node(s) had untolerated taint {node.kubernetes.io/unreachable: }')],
      want: '0/5 nodes are available: 2 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 3 Insufficient cpu.',
    },
    {
      name: 'a node with several reasons counts each',
      nodes: 2,
      statuses: [unschedulable('Insufficient cpu', 'Insufficient memory'), unschedulable('Insufficient memory')],
      want: '0/2 nodes are available: 1 Insufficient cpu, 2 Insufficient memory.',
    },
    { name: 'one node', nodes: 1, statuses: [unresolvable('node(s) were unschedulable')], want: '0/1 nodes are available: 1 node(s) were unschedulable.' },
  ])('$name', ({ nodes, statuses, want }) => {
    expect(fitErrorMessage(nodes, statuses)).toBe(want);
  });
});

describe('schedule', () => {
  const profile = buildProfile();

  it('picks the least allocated fitting node', () => {
    const nodes = [makeNode('small').capacity({ cpu: '1', memory: '2Gi' }).obj(), makeNode('busy').capacity({ cpu: '8', memory: '32Gi' }).obj(), makeNode('idle').capacity({ cpu: '8', memory: '32Gi' }).obj()];
    const pods = [makePod('x').requests({ cpu: '6', memory: '24Gi' }).nodeName('busy').obj()];
    const result = schedule(makePod().requests({ cpu: '2', memory: '4Gi' }).obj(), buildNodeInfos(nodes, pods), profile);
    expect(result.node).toBe('idle');
    expect(Object.keys(result.scores!).sort()).toEqual(['busy', 'idle']);
    expect(result.reasons).toBeUndefined();
  });

  it('breaks ties by node name', () => {
    const nodes = ['c', 'a', 'b'].map((n) => makeNode(n).obj());
    expect(schedule(makePod().obj(), buildNodeInfos(nodes, []), profile).node).toBe('a');
  });

  it('weights scores: a PreferNoSchedule taint outweighs a little free capacity', () => {
    const nodes = [makeNode('a').capacity({ cpu: '8' }).taints({ key: 'k', effect: 'PreferNoSchedule' }).obj(), makeNode('b').capacity({ cpu: '4' }).obj()];
    expect(schedule(makePod().requests({ cpu: '1' }).obj(), buildNodeInfos(nodes, []), profile).node).toBe('b');
  });

  it('explains why no node fits, one reason per node (its first failing filter)', () => {
    const nodes = [
      makeNode('n1').capacity({ cpu: '1' }).obj(),
      makeNode('n2').capacity({ cpu: '1' }).obj(),
      makeNode('n3').capacity({ cpu: '1' }).obj(),
      makeNode('n4').ready('Unknown').taints({ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }).obj(),
      makeNode('n5').ready('Unknown').taints({ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }).obj(),
    ];
    const result = schedule(makePod().requests({ cpu: '2' }).obj(), buildNodeInfos(nodes, []), profile);
    expect(result).toEqual({ evaluated: 5, reasons: '0/5 nodes are available: 2 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 3 Insufficient cpu.' });
  });

  it('stops filtering once enough nodes are feasible on a large cluster, from the start index on', () => {
    const infos = buildNodeInfos(Array.from({ length: 300 }, (_, i) => makeNode(`n${String(i).padStart(3, '0')}`).obj()), []);
    expect(numFeasibleNodesToFind(50)).toBe(50);
    expect(numFeasibleNodesToFind(300)).toBe(144); // 50% − 300/125 = 48%
    expect(numFeasibleNodesToFind(5000)).toBe(500); // at least 5%... and at least 100
    const first = schedule(makePod().obj(), infos, profile);
    expect(first.evaluated).toBe(144);
    expect(Object.keys(first.scores!)).toHaveLength(144);
    const next = schedule(makePod().obj(), infos, profile, { startIndex: 144 });
    expect(next.node).toBe('n144');
    expect(schedule(makePod().obj(), infos, profile, { percentageOfNodesToScore: 100 }).evaluated).toBe(300);
  });

  it('says so when there are no nodes at all', () => {
    expect(schedule(makePod().obj(), [], profile)).toEqual({ reasons: 'no nodes available to schedule pods' });
  });
});
