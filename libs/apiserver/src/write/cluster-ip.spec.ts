import { ApiError, type KubeObject, resourceByKind } from '@logbook/kube';
import type { Projector } from '@logbook/projections';
import { NODE_PORT_MAX, NODE_PORT_MIN, ServiceAddressAllocator, ServiceRange, allocateIP, allocateNodePort, assignServiceAddresses, inServiceRange } from './cluster-ip';

const none = { ips: new Set<string>(), nodePorts: new Set<number>() };

function service(spec: Record<string, unknown>, name = 'web'): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { ports: [{ port: 80, targetPort: 8080 }], ...spec } };
}

function invalidMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(422);
    return (err as ApiError).message;
  }
  throw new Error('expected a 422');
}

describe('allocateIP', () => {
  it('is deterministic per key and inside 127.96.0.0/16, never .0 or .255', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const ip = allocateIP(`ns/svc-${i}`, none.ips)!;
      expect(allocateIP(`ns/svc-${i}`, none.ips)).toBe(ip);
      expect(inServiceRange(ip)).toBe(true);
      expect(ip).not.toMatch(/\.(0|255)$/);
      seen.add(ip);
    }
    expect(seen.size).toBeGreaterThan(1900); // hashing spreads the keys
  });

  it('probes past taken addresses', () => {
    const first = allocateIP('default/web', none.ips)!;
    const second = allocateIP('default/web', new Set([first]))!;
    expect(second).not.toBe(first);
    expect(allocateIP('default/web', new Set([first, second]))).not.toBe(second);
  });

  it('wraps from the end of a /24 to the next one, skipping .255 and .0', () => {
    const ips = new Set<string>();
    let ip = allocateIP('k', ips)!;
    for (let i = 0; i < 300; i++) {
      ips.add(ip);
      ip = allocateIP('k', ips)!;
    }
    expect(ips.size).toBe(300);
    expect([...ips].some((a) => a.endsWith('.254'))).toBe(true);
    expect([...ips].every((a) => !/\.(0|255)$/.test(a))).toBe(true);
  });
});

describe('allocateNodePort', () => {
  it('stays in 30000-32767 and probes past taken ports', () => {
    const first = allocateNodePort('default/web:80/TCP', () => false)!;
    expect(first).toBeGreaterThanOrEqual(NODE_PORT_MIN);
    expect(first).toBeLessThanOrEqual(NODE_PORT_MAX);
    expect(allocateNodePort('default/web:80/TCP', (p) => p === first)).not.toBe(first);
  });

  it('is undefined when the range is full', () => {
    expect(allocateNodePort('x', () => true)).toBeUndefined();
  });
});

describe('assignServiceAddresses', () => {
  describe('when the Service is created', () => {
    it('gives a ClusterIP Service a clusterIP and clusterIPs, and no nodePort', () => {
      const out = assignServiceAddresses(service({}), undefined, 'default/web', none);
      expect(inServiceRange(out.spec.clusterIP)).toBe(true);
      expect(out.spec.clusterIPs).toEqual([out.spec.clusterIP]);
      expect(out.spec.ports[0].nodePort).toBeUndefined();
    });

    it('does not change its input', () => {
      const input = service({});
      assignServiceAddresses(input, undefined, 'default/web', none);
      expect(input.spec.clusterIP).toBeUndefined();
    });

    it.each(['NodePort', 'LoadBalancer'])('gives a %s Service a distinct nodePort per port', (type) => {
      const ports = [{ name: 'a', port: 80 }, { name: 'b', port: 81 }, { name: 'c', port: 82, nodePort: 30500 }];
      const out = assignServiceAddresses(service({ type, ports }), undefined, 'default/web', none);
      const nodePorts = out.spec.ports.map((p: any) => p.nodePort);
      expect(new Set(nodePorts).size).toBe(3);
      expect(nodePorts[2]).toBe(30500);
      for (const n of nodePorts) expect(n >= NODE_PORT_MIN && n <= NODE_PORT_MAX).toBe(true);
      expect(inServiceRange(out.spec.clusterIP)).toBe(true);
    });

    it('avoids addresses other Services hold', () => {
      const ip = allocateIP('default/web', none.ips)!;
      const port = allocateNodePort('default/web:80/TCP', () => false)!;
      const out = assignServiceAddresses(service({ type: 'NodePort' }), undefined, 'default/web', { ips: new Set([ip]), nodePorts: new Set([port]) });
      expect(out.spec.clusterIP).not.toBe(ip);
      expect(out.spec.ports[0].nodePort).not.toBe(port);
    });

    it('accepts a user-given clusterIP inside the range', () => {
      const out = assignServiceAddresses(service({ clusterIP: '127.96.7.7' }), undefined, 'default/web', none);
      expect(out.spec.clusterIP).toBe('127.96.7.7');
      expect(out.spec.clusterIPs).toEqual(['127.96.7.7']);
    });

    it('takes clusterIPs[0] when only clusterIPs is given', () => {
      const out = assignServiceAddresses(service({ clusterIPs: ['127.96.7.8'] }), undefined, 'default/web', none);
      expect(out.spec.clusterIP).toBe('127.96.7.8');
    });

    it('leaves a headless Service headless', () => {
      const out = assignServiceAddresses(service({ clusterIP: 'None' }), undefined, 'default/web', none);
      expect(out.spec.clusterIP).toBe('None');
      expect(out.spec.clusterIPs).toEqual(['None']);
    });

    it('gives an ExternalName Service no address', () => {
      const out = assignServiceAddresses(service({ type: 'ExternalName', externalName: 'example.com' }), undefined, 'default/web', none);
      expect(out.spec.clusterIP).toBeUndefined();
      expect(out.spec.ports[0].nodePort).toBeUndefined();
    });

    it.each([
      [{ clusterIP: '127.96.1.1' }, 'spec.clusterIP: Invalid value: "127.96.1.1": provided IP is already allocated'],
      [{ clusterIP: '10.0.0.1' }, 'spec.clusterIP: Invalid value: "10.0.0.1": provided IP is not in the valid range. The range of valid IPs is 127.96.0.0/16'],
      [{ clusterIP: 'abc' }, 'spec.clusterIP: Invalid value: "abc": must be a valid IP address'],
      [{ type: 'NodePort', clusterIP: 'None' }, `spec.clusterIP: Invalid value: "None": may not be set to 'None' for NodePort services`],
      [{ type: 'NodePort', ports: [{ port: 80, nodePort: 31000 }] }, 'spec.ports[0].nodePort: Invalid value: 31000: provided port is already allocated'],
      [{ type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] }, 'spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767'],
      [{ ports: [{ port: 80, nodePort: 30001 }] }, "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"],
      [{ clusterIP: '127.96.0.9', clusterIPs: ['127.96.0.8'] }, 'spec.clusterIPs: Invalid value: ["127.96.0.8"]: must be empty or the first value must match spec.clusterIP'],
    ])('rejects %j with 422', (spec, message) => {
      const taken = { ips: new Set(['127.96.1.1']), nodePorts: new Set([31000]) };
      expect(invalidMessage(() => assignServiceAddresses(service(spec), undefined, 'default/web', taken))).toContain(`Service "web" is invalid: ${message}`);
    });
  });

  describe('when the Service exists', () => {
    const current = service({ type: 'NodePort', clusterIP: '127.96.3.3', clusterIPs: ['127.96.3.3'], ports: [{ name: 'http', port: 80, nodePort: 30080 }] });

    it('keeps the clusterIP and nodePorts a replace leaves out', () => {
      const out = assignServiceAddresses(service({ type: 'NodePort', ports: [{ name: 'http', port: 80 }] }), current, 'default/web', none);
      expect(out.spec.clusterIP).toBe('127.96.3.3');
      expect(out.spec.ports[0].nodePort).toBe(30080);
    });

    it('does not count its own addresses as taken by someone else', () => {
      const taken = { ips: new Set<string>(), nodePorts: new Set<number>() };
      const out = assignServiceAddresses(current, current, 'default/web', taken);
      expect(out.spec.clusterIP).toBe('127.96.3.3');
    });

    it('refuses to change the clusterIP', () => {
      expect(invalidMessage(() => assignServiceAddresses(service({ clusterIP: '127.96.3.4' }), current, 'default/web', none))).toContain(
        'spec.clusterIP: Invalid value: "127.96.3.4": field is immutable',
      );
    });

    it('allocates nodePorts when it turns from ClusterIP into NodePort', () => {
      const before = service({ clusterIP: '127.96.3.3' });
      const out = assignServiceAddresses(service({ type: 'NodePort' }), before, 'default/web', none);
      expect(out.spec.clusterIP).toBe('127.96.3.3');
      expect(out.spec.ports[0].nodePort).toBeGreaterThanOrEqual(NODE_PORT_MIN);
    });

    it('keeps a headless Service headless', () => {
      const out = assignServiceAddresses(service({}), service({ clusterIP: 'None' }), 'default/web', none);
      expect(out.spec.clusterIP).toBe('None');
    });
  });
});

describe('assignServiceAddresses when a NodePort Service turns into ClusterIP', () => {
  it('drops the nodePorts it held', () => {
    const before = service({ type: 'NodePort', clusterIP: '127.96.3.3', ports: [{ port: 80, nodePort: 30080 }] });
    const out = assignServiceAddresses(service({ type: 'ClusterIP', ports: [{ port: 80, nodePort: 30080 }] }), before, 'default/web', none);
    expect(out.spec.ports[0].nodePort).toBeUndefined();
  });
});

describe('ServiceAddressAllocator', () => {
  const resource = resourceByKind('Service')!;
  const projector = { state: { getByStream: () => undefined, list: () => [] } } as unknown as Projector;

  it('counts the address of a create still in flight as taken', async () => {
    const allocator = new ServiceAddressAllocator(projector);
    let finish!: () => void;
    let firstIP = '';
    const first = allocator.run('default', 'a', { type: 'Create', resource, object: service({}, 'a') }, async (cmd) => {
      firstIP = (cmd as { object: KubeObject }).object.spec.clusterIP;
      await new Promise<void>((r) => (finish = r));
    });
    const second = allocator.run('default', 'b', { type: 'Create', resource, object: service({ clusterIP: firstIP }, 'b') }, async () => undefined);
    await expect(second).rejects.toThrow('provided IP is already allocated');
    finish();
    await first;
    // Once the write is done (and would be in the projection) the reservation is gone.
    await expect(allocator.run('default', 'c', { type: 'Create', resource, object: service({ clusterIP: firstIP }, 'c') }, async () => 'ok')).resolves.toBe('ok');
  });

  it('passes other kinds and verbs through untouched', async () => {
    const allocator = new ServiceAddressAllocator(projector);
    const pods = resourceByKind('Pod')!;
    const command = { type: 'Create' as const, resource: pods, object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } } };
    await allocator.run('default', 'p', command, async (cmd) => expect(cmd).toBe(command));
  });
});

describe('ServiceRange', () => {
  it('allocates inside a routable --service-cidr and leaves the static band to addresses asked for', () => {
    const range = new ServiceRange('10.96.0.0/16');
    expect(range.at(1)).toBe('10.96.0.1');
    expect(range.at(10)).toBe('10.96.0.10');
    const taken = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const ip = allocateIP(`ns/svc-${i}`, taken, range)!;
      expect(range.contains(ip)).toBe(true);
      const last = ip.split('.').map(Number);
      expect(last[2] === 0 && last[3] < 16).toBe(false);
      taken.add(ip);
    }
    const out = assignServiceAddresses(service({ clusterIP: '10.96.0.10' }), undefined, 'kube-system/kube-dns', none, range);
    expect(out.spec.clusterIP).toBe('10.96.0.10');
    expect(invalidMessage(() => assignServiceAddresses(service({ clusterIP: '127.96.0.10' }), undefined, 'default/web', none, range))).toContain('The range of valid IPs is 10.96.0.0/16');
  });

  it('serves small ranges whole and refuses CIDRs it cannot hold', () => {
    const small = new ServiceRange('10.1.2.16/28');
    const ips = new Set<string>();
    for (let ip = allocateIP('k', ips, small); ip; ip = allocateIP('k', ips, small)) ips.add(ip);
    expect([...ips].sort()).toEqual(Array.from({ length: 14 }, (_, i) => `10.1.2.${17 + i}`).sort());
    expect(() => new ServiceRange('10.96.0.1/16')).toThrow(/host bits set/);
    expect(() => new ServiceRange('10.96.0.0/30')).toThrow(/IPv4 CIDR from \/8 to \/28/);
    expect(() => new ServiceRange('fd00::/108')).toThrow(/IPv4/);
  });
});
