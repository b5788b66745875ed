import { POSITION_HEADER } from '@logbook/bus';
import type { StoredEvent } from '@logbook/events';
import { nodeTopic, parseRelayed, podEventNodes, relayMessage } from './relay-message';

const event = (stream: string, position: number): StoredEvent => ({
  id: `e${position}`,
  type: 'PodStatusChanged',
  data: { patch: [] },
  metadata: { time: '2026-01-01T00:00:00.000Z', actor: 'kubelet', schemaVersion: 1 },
  position,
  stream,
  revision: 1,
});

describe('relayMessage', () => {
  test('a namespaced object goes to its kind topic keyed namespace/name, with its state', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' } };
    const out = relayMessage(event('Pod/default/web', 42), pod)!;
    expect(out.topic).toBe('logbook.pods');
    expect(out.message.key).toBe('default/web');
    expect(out.message.headers).toMatchObject({ [POSITION_HEADER]: '42', 'logbook-event-type': 'PodStatusChanged' });
    expect(parseRelayed(out.message.value)).toEqual({ envelope: event('Pod/default/web', 42), object: pod });
  });

  test('a cluster-scoped object is keyed by its name; a deleted one carries null', () => {
    const out = relayMessage(event('Node/n1', 7), undefined)!;
    expect(out.topic).toBe('logbook.nodes');
    expect(out.message.key).toBe('n1');
    expect(parseRelayed(out.message.value).object).toBeNull();
  });

  test('a kind Logbook does not serve has no topic', () => {
    expect(relayMessage(event('Widget/default/w', 1), undefined)).toBeUndefined();
  });
});

describe('podEventNodes', () => {
  const pod = (nodeName?: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { nodeName } });
  test.each([
    ['an unbound pod concerns no node', 'Pod', pod(), pod(), []],
    ['a binding concerns the node bound to', 'Pod', pod(), pod('n1'), ['n1']],
    ['a status change concerns its node', 'Pod', pod('n1'), pod('n1'), ['n1']],
    ['a deletion concerns the node it was on', 'Pod', pod('n1'), undefined, ['n1']],
    ['other kinds concern no node', 'ConfigMap', pod('n1'), pod('n1'), []],
  ])('%s', (_name, kind, before, after, nodes) => {
    expect(podEventNodes(kind as string, before as any, after as any)).toEqual(nodes);
  });

  test('the node topic is logbook.node.<name>', () => expect(nodeTopic('worker-1')).toBe('logbook.node.worker-1'));
});
