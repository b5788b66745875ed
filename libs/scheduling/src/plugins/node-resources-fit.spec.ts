import { makeNodeInfo } from '../node-info';
import { makeNode, makePod } from '../testing/builders';
import { nodeResourcesFit } from './node-resources-fit';

describe('NodeResourcesFit', () => {
  const node = makeNode('n1').capacity({ cpu: '2', memory: '4Gi', pods: '3' }).obj();
  const bound = (name: string, r: Record<string, string>) => makePod(name).requests(r).nodeName('n1').obj();

  it.each([
    { name: 'fits an empty node', pod: makePod().requests({ cpu: '1', memory: '1Gi' }).obj(), on: [], code: 'Success', reasons: [] },
    { name: 'fits exactly what is left', pod: makePod().requests({ cpu: '500m', memory: '1Gi' }).obj(), on: [bound('a', { cpu: '1500m', memory: '3Gi' })], code: 'Success', reasons: [] },
    { name: 'lacks cpu', pod: makePod().requests({ cpu: '501m' }).obj(), on: [bound('a', { cpu: '1500m' })], code: 'Unschedulable', reasons: ['Insufficient cpu'] },
    { name: 'lacks memory', pod: makePod().requests({ memory: '2Gi' }).obj(), on: [bound('a', { memory: '3Gi' })], code: 'Unschedulable', reasons: ['Insufficient memory'] },
    { name: 'lacks both', pod: makePod().requests({ cpu: '3', memory: '5Gi' }).obj(), on: [], code: 'Unschedulable', reasons: ['Insufficient cpu', 'Insufficient memory'] },
    { name: 'a pod without requests fits a full node', pod: makePod().obj(), on: [bound('a', { cpu: '2', memory: '4Gi' })], code: 'Success', reasons: [] },
    { name: 'pods without requests count 0 against cpu', pod: makePod().requests({ cpu: '2' }).obj(), on: [makePod('a').nodeName('n1').obj()], code: 'Success', reasons: [] },
    { name: 'limits stand in for missing requests', pod: makePod().limits({ cpu: '3' }).obj(), on: [], code: 'Unschedulable', reasons: ['Insufficient cpu'] },
    { name: 'too many pods', pod: makePod().obj(), on: [bound('a', {}), bound('b', {}), bound('c', {})], code: 'Unschedulable', reasons: ['Too many pods'] },
  ])('$name', ({ pod, on, code, reasons }) => {
    const status = nodeResourcesFit.filter(pod, makeNodeInfo(node, on));
    expect(status).toEqual({ code, reasons });
  });

  it('counts the largest init container and sums the app containers', () => {
    const pod = makePod()
      .containers({ name: 'a', image: 'x', resources: { requests: { cpu: '600m' } } }, { name: 'b', image: 'x', resources: { requests: { cpu: '600m' } } })
      .with('spec.initContainers', [{ name: 'i', image: 'x', resources: { requests: { cpu: '1500m' } } }])
      .obj();
    expect(nodeResourcesFit.filter(pod, makeNodeInfo(node, [bound('a', { cpu: '600m' })])).reasons).toEqual(['Insufficient cpu']);
    expect(nodeResourcesFit.filter(pod, makeNodeInfo(node, [bound('a', { cpu: '500m' })])).code).toBe('Success');
  });
});
