import { makeNodeInfo } from '../node-info';
import { makeNode, makePod } from '../testing/builders';
import { nodePorts } from './node-ports';

describe('NodePorts', () => {
  const conflict = { code: 'Unschedulable', reasons: ["node(s) didn't have free ports for the requested pod ports"] };
  const ok = { code: 'Success', reasons: [] };
  const onNode = (port: number, protocol?: string, ip?: string) => makePod('other').nodeName('n1').hostPort(port, protocol, ip).obj();

  it.each([
    { name: 'no host ports', pod: makePod().obj(), existing: [onNode(80)], want: ok },
    { name: 'free port', pod: makePod().hostPort(8080).obj(), existing: [onNode(80)], want: ok },
    { name: 'same port, TCP default', pod: makePod().hostPort(80).obj(), existing: [onNode(80)], want: conflict },
    { name: 'same port, other protocol', pod: makePod().hostPort(53, 'UDP').obj(), existing: [onNode(53, 'TCP')], want: ok },
    { name: 'same port and protocol, different IPs', pod: makePod().hostPort(80, 'TCP', '10.0.0.1').obj(), existing: [onNode(80, 'TCP', '10.0.0.2')], want: ok },
    { name: 'wildcard IP clashes with a specific one', pod: makePod().hostPort(80, 'TCP', '10.0.0.1').obj(), existing: [onNode(80)], want: conflict },
    { name: 'same specific IP', pod: makePod().hostPort(80, 'TCP', '10.0.0.1').obj(), existing: [onNode(80, 'TCP', '10.0.0.1')], want: conflict },
  ])('$name', ({ pod, existing, want }) => {
    expect(nodePorts.filter(pod, makeNodeInfo(makeNode('n1').obj(), existing))).toEqual(want);
  });
});
