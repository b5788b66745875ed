import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import type { KubeObject } from '@logbook/kube';
import { fixture } from '../../controllers/src/cluster/testing/fixture';
import type { ClusterClient } from '@logbook/components';
import { IngressController, ensureDefaultIngressClass, parseListenAddress } from './ingress-controller';

const log = pino({ level: 'silent' });
const obj = (apiVersion: string, kind: string, name: string, rest: Record<string, unknown>, namespace: string | undefined = 'default'): KubeObject =>
  ({ apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}), creationTimestamp: '2026-01-01T00:00:00Z' }, ...rest }) as KubeObject;
const CLASS = obj('networking.k8s.io/v1', 'IngressClass', 'logbook', { spec: { controller: 'logbook.io/ingress' } }, undefined);
const service = (name: string) => obj('v1', 'Service', name, { spec: { clusterIP: '127.96.0.9', ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] } });
const endpoints = (name: string, ports: number[]) =>
  obj('v1', 'Endpoints', name, { subsets: ports.map((port) => ({ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'http', port, protocol: 'TCP' }] })) });
const backend = (name: string, port: number | string) => ({ service: { name, port: typeof port === 'number' ? { number: port } : { name: port } } });
const ingress = (spec: Record<string, unknown>, name = 'web') => obj('networking.k8s.io/v1', 'Ingress', name, { spec });

interface Reply {
  code: number;
  body: string;
  reused: boolean;
}

/** A backend that names itself and echoes what it was sent. */
async function startBackend(name: string): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => res.end(JSON.stringify({ name, url: req.url, headers: req.headers })));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

describe('IngressController against real HTTP backends', () => {
  let ctl: IngressController;
  let one: { server: Server; port: number };
  let two: { server: Server; port: number };
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const get = (host: string, path: string): Promise<Reply> => {
    const { host: ip, port } = parseListenAddress(ctl.address!);
    return new Promise((ok, fail) => {
      const req = request({ host: ip, port, path, headers: { host, 'x-forwarded-for': '10.0.0.1' }, agent }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => ok({ code: res.statusCode ?? 0, body, reused: req.reusedSocket }));
      });
      req.on('error', fail);
      req.end();
    });
  };

  beforeAll(async () => {
    [one, two] = [await startBackend('one'), await startBackend('two')];
    ctl = new IngressController({ nodeName: 'n1', address: '127.0.0.1:0', log });
    await ctl.listen();
  });
  afterAll(async () => {
    agent.destroy();
    await ctl.close();
    one.server.closeAllConnections();
    two.server.closeAllConnections();
    await Promise.all([one, two].map((b) => new Promise((r) => b.server.close(r))));
  });

  it('writes the listener address into status and routes round-robin over keep-alive connections', async () => {
    const { ctx, client } = fixture([CLASS, service('web'), endpoints('web', [one.port, two.port]), ingress({ ingressClassName: 'logbook', rules: [{ host: 'a.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('web', 'http') }] } }] })]);
    await ctl.reconcile('default/web', ctx);
    const { port } = parseListenAddress(ctl.address!);
    expect(client.calls.map((c) => ('object' in c ? c.object.status : undefined))).toEqual([{ loadBalancer: { ingress: [{ ip: '127.0.0.1', ports: [{ port, protocol: 'TCP' }] }] } }]);

    const replies = [await get('a.example', '/x?y=1'), await get('a.example', '/x'), await get('a.example', '/x'), await get('a.example', '/x')];
    expect(replies.map((r) => JSON.parse(r.body).name)).toEqual(['one', 'two', 'one', 'two']);
    expect(replies.slice(1).every((r) => r.reused)).toBe(true); // one client connection kept alive throughout
    const first = JSON.parse(replies[0].body);
    expect(first.url).toBe('/x?y=1');
    expect(first.headers).toMatchObject({ host: 'a.example', 'x-forwarded-for': '10.0.0.1, 127.0.0.1', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'a.example', 'x-forwarded-port': String(port) });
    expect(first.headers.connection).not.toBe('close');
    expect((await get('b.example', '/x')).code).toBe(404);
  });

  it('a status already current is not written again; another class is not served', async () => {
    const { port } = parseListenAddress(ctl.address!);
    const current = { loadBalancer: { ingress: [{ ip: '127.0.0.1', ports: [{ port, protocol: 'TCP' }] }] } };
    const served = { ...ingress({ ingressClassName: 'logbook', defaultBackend: backend('web', 80) }), status: current };
    const other = ingress({ ingressClassName: 'nginx', defaultBackend: backend('web', 80) }, 'other');
    const { ctx, client } = fixture([CLASS, service('web'), endpoints('web', [one.port]), served, other]);
    await ctl.reconcile('default/web', ctx);
    await ctl.reconcile('default/other', ctx);
    expect(client.calls).toEqual([]);
    // The default backend (by port number) takes what no rule matches.
    expect(JSON.parse((await get('anything', '/')).body).name).toBe('one');
  });

  it('changes apply on the next request: endpoints gone is 503, a missing Service port is 503', async () => {
    const spec = { ingressClassName: 'logbook', defaultBackend: backend('web', 80), rules: [{ http: { paths: [{ path: '/other', pathType: 'Exact', backend: backend('web', 9999) }] } }] };
    const { ctx } = fixture([CLASS, service('web'), endpoints('web', []), ingress(spec)]);
    await ctl.reconcile('default/web', ctx);
    const none = await get('x', '/');
    expect(none.code).toBe(503);
    expect(none.body).toContain('service default/web port 80 (ingress default/web) has no ready endpoints');
    expect((await get('x', '/other')).code).toBe(503);
  });
});

describe('ensureDefaultIngressClass', () => {
  /** Just the reads and the create the function uses, over a list of stored classes. */
  const clientWith = (stored: KubeObject[]) => {
    const created: KubeObject[] = [];
    const client = {
      getObject: async (_kind: string, _ns: string | undefined, name: string) => stored.find((c) => c.metadata.name === name),
      listObjects: async () => ({ items: stored, position: 1 }),
      create: async (o: KubeObject) => (created.push(o), o),
    } as unknown as ClusterClient;
    return { client, created };
  };
  const annotated = (name: string, isDefault: string) => ({ ...CLASS, metadata: { name, annotations: { 'ingressclass.kubernetes.io/is-default-class': isDefault } } });

  it('creates the logbook class as the default when the cluster has none', async () => {
    const { client, created } = clientWith([]);
    await ensureDefaultIngressClass(client, log);
    expect(created).toEqual([annotated('logbook', 'true')]);
  });

  it('does not take the default from another class, and leaves an existing logbook class alone', async () => {
    const other = clientWith([annotated('nginx', 'true')]);
    await ensureDefaultIngressClass(other.client, log);
    expect(other.created).toEqual([annotated('logbook', 'false')]);
    const existing = clientWith([annotated('logbook', 'false')]);
    await ensureDefaultIngressClass(existing.client, log);
    expect(existing.created).toEqual([]);
  });
});
