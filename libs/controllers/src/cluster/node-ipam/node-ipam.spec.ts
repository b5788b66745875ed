import { makeObject } from '../../../../kube/src/testing/builders';
import { fixture } from '../testing/fixture';
import { CidrAllocator, CidrConfigError } from './cidr-allocator';
import { NodeIpamController } from './node-ipam-controller';

const node = (name: string, podCIDR?: string, labels: Record<string, string> = {}) =>
  makeObject('v1', 'Node', name).labels(labels).with('spec', podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {}).obj();

describe('CidrAllocator', () => {
  it('cuts node CIDRs from the cluster CIDR in order, round robin past freed ones, until full', () => {
    const a = new CidrAllocator('10.244.0.0/22', 24);
    expect(a.size).toBe(4);
    expect([a.allocate(), a.allocate()]).toEqual(['10.244.0.0/24', '10.244.1.0/24']);
    a.release('10.244.0.0/24');
    expect([a.allocate(), a.allocate(), a.allocate(), a.allocate()]).toEqual(['10.244.2.0/24', '10.244.3.0/24', '10.244.0.0/24', undefined]);
  });

  it('takes CIDRs nodes already hold, and ignores ones outside it', () => {
    const a = new CidrAllocator('10.244.0.0/23', 24);
    expect(a.occupy('10.244.0.0/24')).toBe(true);
    expect(a.occupy('10.99.0.0/24')).toBe(false);
    expect(a.occupy('10.244.1.0/25')).toBe(false);
    expect([a.allocate(), a.allocate()]).toEqual(['10.244.1.0/24', undefined]);
  });

  it.each([
    ['10.244.0.0', 24, 'cluster CIDR "10.244.0.0" is not an IPv4 CIDR such as 10.244.0.0/16'],
    ['10.244.0.0/16', 8, "node CIDR mask size 8 must be an integer between the cluster CIDR's prefix (/16) and 30"],
  ])('refuses %s with /%s', (cidr, mask, message) => {
    expect(() => new CidrAllocator(cidr, mask)).toThrow(new CidrConfigError(message));
  });
});

describe('NodeIpamController', () => {
  it('gives a node without a CIDR the next free one, after those nodes already hold', async () => {
    const { ctx, client } = fixture([node('a', '10.244.0.0/24'), node('b')]);
    const c = new NodeIpamController({ clusterCidr: '10.244.0.0/16', nodeCidrMaskSize: 24 });
    await c.reconcile('b', ctx);
    expect(client.ofVerb('update').map((u) => u.object.spec)).toEqual([{ podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] }]);
    await c.reconcile('a', ctx);
    expect(client.calls).toHaveLength(1);
  });

  it('skips hollow nodes; queues only nodes without a CIDR', () => {
    const c = new NodeIpamController();
    expect(c.keysFor({ kind: 'Node', after: node('h', undefined, { 'node.logbook.io/hollow': 'true' }) })).toEqual([]);
    expect(c.keysFor({ kind: 'Node', after: node('real') })).toEqual(['real']);
    expect(c.keysFor({ kind: 'Node', after: node('done', '10.244.3.0/24') })).toEqual([]);
  });

  it('when full, says CIDRNotAvailable once per attempt, stops queueing the node, and serves it when a node goes', async () => {
    const full = node('a', '10.244.0.0/24');
    const { ctx, client, events, cache } = fixture([full, node('b')]);
    const c = new NodeIpamController({ clusterCidr: '10.244.0.0/24', nodeCidrMaskSize: 24 });
    await c.reconcile('b', ctx);
    expect(client.calls).toEqual([]);
    expect(events.lines()).toEqual(['Normal CIDRNotAvailable Node b status is now: CIDRNotAvailable']);
    expect(c.keysFor({ kind: 'Node', before: cache.get('Node', undefined, 'b'), after: cache.get('Node', undefined, 'b') })).toEqual([]); // a heartbeat does not retry

    cache.apply('Node/a', 'Node', 10, null);
    expect(c.keysFor({ kind: 'Node', before: cache.get('Node', undefined, 'a') ?? full })).toEqual(['b']);
    await c.reconcile('b', ctx);
    expect(client.ofVerb('update').map((u) => u.object.spec.podCIDR)).toEqual(['10.244.0.0/24']);
  });
});
