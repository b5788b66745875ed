import type { FilterPlugin } from '../framework';
import { makeNodeInfo } from '../node-info';
import { makeNode, makePod } from '../testing/builders';
import { nodeName } from './node-name';
import { nodeReady } from './node-ready';
import { nodeUnschedulable } from './node-unschedulable';
import type { KubeObject } from '@logbook/kube';

interface Case {
  name: string;
  plugin: FilterPlugin;
  pod: KubeObject;
  node: KubeObject;
  code: string;
  reasons: string[];
}

describe('NodeName, NodeUnschedulable, NodeReady', () => {
  const cases: Case[] = [
    { name: 'NodeName: no preset name', plugin: nodeName, pod: makePod().obj(), node: makeNode('n1').obj(), code: 'Success', reasons: [] },
    { name: 'NodeName: the named node', plugin: nodeName, pod: makePod().nodeName('n1').obj(), node: makeNode('n1').obj(), code: 'Success', reasons: [] },
    { name: 'NodeName: another node', plugin: nodeName, pod: makePod().nodeName('n2').obj(), node: makeNode('n1').obj(), code: 'UnschedulableAndUnresolvable', reasons: ["node(s) didn't match the requested node name"] },
    { name: 'NodeUnschedulable: schedulable node', plugin: nodeUnschedulable, pod: makePod().obj(), node: makeNode().obj(), code: 'Success', reasons: [] },
    { name: 'NodeUnschedulable: cordoned node', plugin: nodeUnschedulable, pod: makePod().obj(), node: makeNode().unschedulable().obj(), code: 'UnschedulableAndUnresolvable', reasons: ['node(s) were unschedulable'] },
    {
      name: 'NodeUnschedulable: cordoned node, pod tolerates it',
      plugin: nodeUnschedulable,
      pod: makePod().tolerations({ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }).obj(),
      node: makeNode().unschedulable().obj(),
      code: 'Success',
      reasons: [],
    },
    { name: 'NodeUnschedulable: tolerate-everything', plugin: nodeUnschedulable, pod: makePod().tolerations({ operator: 'Exists' }).obj(), node: makeNode().unschedulable().obj(), code: 'Success', reasons: [] },
    { name: 'NodeReady: Ready=True', plugin: nodeReady, pod: makePod().obj(), node: makeNode().obj(), code: 'Success', reasons: [] },
    { name: 'NodeReady: Ready=False', plugin: nodeReady, pod: makePod().obj(), node: makeNode().ready('False').obj(), code: 'UnschedulableAndUnresolvable', reasons: ['node(s) were not ready'] },
    { name: 'NodeReady: Ready=Unknown', plugin: nodeReady, pod: makePod().obj(), node: makeNode().ready('Unknown').obj(), code: 'UnschedulableAndUnresolvable', reasons: ['node(s) were not ready'] },
    { name: 'NodeReady: no conditions yet', plugin: nodeReady, pod: makePod().obj(), node: makeNode().with('status.conditions', undefined).obj(), code: 'UnschedulableAndUnresolvable', reasons: ['node(s) were not ready'] },
  ];

  it.each(cases)('$name', ({ plugin, pod, node, code, reasons }) => {
    expect(plugin.filter(pod, makeNodeInfo(node, []))).toEqual({ code, reasons });
  });
});
