import type { KubeObject } from '@logbook/kube';
import { RoundRobin, backendsFor, listenersFor } from './backends';

function service(spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { type: 'ClusterIP', clusterIP: '127.96.0.10', ...spec } };
}

function endpoints(subsets: unknown[]): KubeObject {
  return { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'default' }, subsets };
}

const addr = (ip: string) => ({ ip, targetRef: { kind: 'Pod', namespace: 'default', name: ip, uid: ip } });

describe('backendsFor', () => {
  it('takes the ready addresses of the endpoint port named after the Service port', () => {
    const eps = endpoints([
      { addresses: [addr('127.1.0.1'), addr('127.1.0.2')], notReadyAddresses: [addr('127.1.0.9')], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'admin', port: 9090, protocol: 'TCP' }] },
    ]);
    expect(backendsFor({ name: 'http', port: 80, targetPort: 'web' }, eps)).toEqual([
      { ip: '127.1.0.1', port: 8080 },
      { ip: '127.1.0.2', port: 8080 },
    ]);
    expect(backendsFor({ name: 'admin', port: 81, targetPort: 9090 }, eps)).toEqual([
      { ip: '127.1.0.1', port: 9090 },
      { ip: '127.1.0.2', port: 9090 },
    ]);
  });

  it('resolves a named target port per subset (pods that name the port differently)', () => {
    const eps = endpoints([
      { addresses: [addr('127.1.0.1')], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] },
      { addresses: [addr('127.1.0.2')], ports: [{ name: 'http', port: 8081, protocol: 'TCP' }] },
    ]);
    expect(backendsFor({ name: 'http', port: 80, targetPort: 'web' }, eps)).toEqual([
      { ip: '127.1.0.1', port: 8080 },
      { ip: '127.1.0.2', port: 8081 },
    ]);
  });

  it('takes the unnamed port of a single-port Service', () => {
    const eps = endpoints([{ addresses: [addr('127.1.0.1')], ports: [{ port: 8080, protocol: 'TCP' }] }]);
    expect(backendsFor({ port: 80, targetPort: 8080 }, eps)).toEqual([{ ip: '127.1.0.1', port: 8080 }]);
  });

  it('falls back to the numeric target port for hand-written Endpoints with other names', () => {
    const eps = endpoints([{ addresses: [addr('127.1.0.1')], ports: [{ name: 'whatever', port: 8080 }] }]);
    expect(backendsFor({ port: 80, targetPort: 8080 }, eps)).toEqual([{ ip: '127.1.0.1', port: 8080 }]);
  });

  it.each([
    ['no Endpoints', undefined],
    ['no subsets', endpoints([])],
    ['only not-ready addresses', endpoints([{ notReadyAddresses: [addr('127.1.0.1')], ports: [{ port: 8080 }] }])],
    ['a UDP port only', endpoints([{ addresses: [addr('127.1.0.1')], ports: [{ port: 8080, protocol: 'UDP' }] }])],
  ])('is empty with %s', (_, eps) => {
    expect(backendsFor({ port: 80, targetPort: 8080 }, eps)).toEqual([]);
  });
});

describe('listenersFor', () => {
  const eps = endpoints([{ addresses: [addr('127.1.0.1')], ports: [{ name: 'http', port: 8080 }] }]);

  it('listens on clusterIP:port for each TCP port of a ClusterIP Service', () => {
    const svc = service({ ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }] });
    expect(listenersFor(svc, eps, '127.0.0.1')).toEqual([
      { host: '127.96.0.10', port: 80, servicePort: 'default/web:http', backends: [{ ip: '127.1.0.1', port: 8080 }] },
    ]);
  });

  it('adds the node port on the node address for NodePort Services', () => {
    const svc = service({ type: 'NodePort', ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30080 }] });
    expect(listenersFor(svc, eps, '127.0.0.1').map((l) => `${l.host}:${l.port}`)).toEqual(['127.96.0.10:80', '127.0.0.1:30080']);
  });

  it.each([
    ['a deleted Service', undefined],
    ['a headless Service', service({ clusterIP: 'None', ports: [{ port: 80 }] })],
    ['a clusterIP outside the proxy range', service({ clusterIP: '10.0.0.1', ports: [{ port: 80 }] })],
    ['an ExternalName Service', service({ type: 'ExternalName', clusterIP: undefined, externalName: 'example.com' })],
  ])('has none for %s', (_, svc) => {
    expect(listenersFor(svc, eps, '127.0.0.1')).toEqual([]);
  });
});

describe('RoundRobin', () => {
  const b = (n: number) => ({ ip: `127.1.0.${n}`, port: 80 });

  it('cycles through the backends in order', () => {
    const rr = new RoundRobin([b(1), b(2), b(3)]);
    expect(Array.from({ length: 6 }, () => rr.next()!.ip)).toEqual(['127.1.0.1', '127.1.0.2', '127.1.0.3', '127.1.0.1', '127.1.0.2', '127.1.0.3']);
  });

  it('keeps cycling over a replaced list without starting over', () => {
    const rr = new RoundRobin([b(1), b(2), b(3)]);
    rr.next();
    rr.set([b(1), b(2)]);
    const picks = Array.from({ length: 4 }, () => rr.next()!.ip);
    expect(picks).toEqual(['127.1.0.2', '127.1.0.1', '127.1.0.2', '127.1.0.1']);
  });

  it('has nothing to give when empty', () => {
    expect(new RoundRobin().next()).toBeUndefined();
  });
});
