import { type Server, createServer, request, Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { InProcessClusterClient, componentUser } from '@logbook/apiserver';
import { HttpClusterClient } from '@logbook/client';
import { startEmbeddedCluster, type EmbeddedCluster } from '@logbook/cluster';
import { type KubeObject, streamName } from '@logbook/kube';
import { eventually, makeTmpDir, randomName } from '@logbook/testing';
import { ServiceProxy, type RunningServiceProxy } from './service-proxy';

interface Answer {
  readonly backend: string;
  readonly reused: boolean;
}

/** One HTTP GET; the backend names itself in the body. */
function get(host: string, port: number, agent: Agent | false = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: '/', agent, timeout: 5_000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ backend: body, reused: req.reusedSocket }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function getMany(host: string, port: number, n: number, concurrency = 10): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let left = n;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left-- > 0) {
        const { backend } = await get(host, port);
        counts.set(backend, (counts.get(backend) ?? 0) + 1);
      }
    }),
  );
  return counts;
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

describe('ServiceProxy on an embedded cluster', () => {
  const dir = makeTmpDir('logbook-proxy-');
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  // The proxy's errors, kept to see it report an address it cannot bind.
  const proxyErrors: string[] = [];
  const proxyLog = pino({ level: 'error' }, { write: (line: string) => void proxyErrors.push(line) });
  // Pod IPs on their own loopback /24, so parallel test files never share an address.
  const net = `127.2.${1 + Math.floor(Math.random() * 250)}`;
  const ips = [1, 2, 3].map((i) => `${net}.${i}`);
  const app = randomName('web');
  const backends: Server[] = [];
  let backendPort = 0;
  let cluster: EmbeddedCluster;
  let inProcess: InProcessClusterClient;
  let http: HttpClusterClient;
  let proxy: RunningServiceProxy;
  let clusterIP = '';

  const podName = (i: number) => `${app}-${i}`;
  const current = (i: number) => cluster.projector.state.getByStream(streamName('Pod', 'default', podName(i)))!;

  async function setReady(i: number, ready: boolean): Promise<void> {
    // Retried: the scheduler may write the pod between our read and our write (409).
    await eventually(async () => {
      const pod = current(i);
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      const status = ready ? 'True' : 'False';
      await inProcess.updateStatus(
        {
          ...pod,
          status: {
            phase: 'Running',
            podIP: ips[i - 1],
            hostIP: '127.0.0.1',
            startTime: now,
            conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({ type, status: type === 'PodScheduled' || type === 'Initialized' ? 'True' : status, lastTransitionTime: now })),
          },
        },
        {},
      );
      return true;
    }, { what: `status of ${podName(i)}` });
  }

  beforeAll(async () => {
    for (const [i, ip] of ips.entries()) {
      const server = createServer((_, res) => res.end(`backend-${i + 1}`));
      server.keepAliveTimeout = 60_000;
      backendPort = await listen(server, ip, backendPort);
      backends.push(server);
    }
    cluster = await startEmbeddedCluster({ dataDir: dir.path, port: 0, logger: log, components: true });
    inProcess = new InProcessClusterClient(cluster.api.writer, cluster.projector, componentUser('system:test'));
    http = new HttpClusterClient({ server: cluster.url, token: cluster.adminToken, ca: cluster.api.caCert });

    for (const i of [1, 2, 3]) {
      const pod: KubeObject = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: podName(i), namespace: 'default', labels: { app } },
        spec: { containers: [{ name: 'web', image: 'node', command: ['node'], ports: [{ name: 'http', containerPort: backendPort }] }] },
      };
      await inProcess.create(pod, {});
      await eventually(async () => {
        await inProcess.bind('default', podName(i), 'node-a', current(i).metadata.resourceVersion!, {});
        return true;
      }, { what: `binding of ${podName(i)}` });
      await setReady(i, true);
    }
    // Through HTTP, where the API server allocates the clusterIP; the named targetPort is resolved per pod by the Endpoints controller.
    const svc = await http.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: app, namespace: 'default' }, spec: { selector: { app }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } }, {});
    clusterIP = svc.spec.clusterIP;
    proxy = await ServiceProxy.start({ bus: cluster.bus, client: inProcess, log: proxyLog, nodeName: randomName('node') });
  }, 60_000);

  afterAll(async () => {
    await proxy?.stop();
    http?.close();
    await cluster?.close();
    await Promise.all(backends.map((s) => new Promise((r) => s.close(r))));
    for (const s of backends) s.closeAllConnections();
    dir.remove();
  });

  const backendsOf = (name: string) => proxy.controller.listenersOf(`default/${name}`).flatMap((l) => l.backends.map((b) => b.ip));

  it('balances 300 connections to clusterIP:port over the three ready pods', async () => {
    expect(clusterIP).toMatch(/^127\.96\./);
    await eventually(() => backendsOf(app).length === 3, { what: 'three backends in the proxy' });
    const counts = await getMany(clusterIP, 80, 300);
    expect([...counts.keys()].sort()).toEqual(['backend-1', 'backend-2', 'backend-3']);
    for (const n of counts.values()) expect(n).toBeGreaterThanOrEqual(90);
  });

  it('stops sending new connections to a pod that turns unready, while an established keep-alive connection lives on', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const first = await get(clusterIP, 80, agent);
    // The pod that serves the open connection is the one that leaves.
    const gone = Number(first.backend.split('-')[1]);
    const others = [1, 2, 3].filter((i) => i !== gone);

    await setReady(gone, false);
    await eventually(() => cluster.projector.state.getByStream(streamName('Endpoints', 'default', app))?.subsets?.[0]?.addresses?.length === 2, { what: 'the pod out of the Endpoints' });
    await eventually(() => !backendsOf(app).includes(ips[gone - 1]) && backendsOf(app).length === 2, { what: 'the pod out of the proxy' });

    const again = await get(clusterIP, 80, agent);
    expect(again).toEqual({ backend: first.backend, reused: true });
    agent.destroy();

    const counts = await getMany(clusterIP, 80, 60);
    expect(counts.get(`backend-${gone}`)).toBeUndefined();
    expect(counts.get(`backend-${others[0]}`)).toBe(30);
    expect(counts.get(`backend-${others[1]}`)).toBe(30);

    await setReady(gone, true);
    await eventually(() => backendsOf(app).length === 3, { what: 'pod 3 back in the proxy' });
  });

  it('tries the next backend once when one refuses the connection', async () => {
    const [dead] = backends.splice(2, 1);
    await new Promise((r) => dead.close(r));
    dead.closeAllConnections();
    const counts = await getMany(clusterIP, 80, 30, 1);
    expect(counts.get('backend-3')).toBeUndefined();
    expect((counts.get('backend-1') ?? 0) + (counts.get('backend-2') ?? 0)).toBe(30);
  });

  it('keeps serving when another process holds a Service\'s address, and listens there once it is free', async () => {
    // As when a second cluster on this machine has a Service of the same namespace/name (same hashed clusterIP).
    const name = randomName('blocked');
    const ip = `127.96.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
    const squatter = createServer((_, res) => res.end('squatter'));
    await listen(squatter, ip, 80);
    try {
      await http.create({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { clusterIP: ip, selector: { app }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } }, {});
      await eventually(() => proxyErrors.some((l) => l.includes('could not listen') && l.includes(name) && l.includes('EADDRINUSE')), { what: 'the proxy reporting the taken address' });
      expect(proxy.controller.listenersOf(`default/${name}`)).toEqual([]);
      const counts = await getMany(clusterIP, 80, 20);
      expect((counts.get('backend-1') ?? 0) + (counts.get('backend-2') ?? 0)).toBe(20);
    } finally {
      await new Promise((r) => squatter.close(r));
    }
    await eventually(() => proxy.controller.listenersOf(`default/${name}`).length === 1, { timeoutMs: 20_000, what: 'the proxy binding the freed address' });
    expect((await get(ip, 80)).backend).toMatch(/^backend-[12]$/);
    await http.delete('Service', 'default', name, {});
  }, 40_000);

  it('resets connections to a Service without endpoints, and listens on the node port of a NodePort Service', async () => {
    const name = randomName('empty');
    const svc = await http.create({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { type: 'NodePort', selector: { app: 'nothing' }, ports: [{ port: 8080 }] } }, {});
    await eventually(
      () => {
        const open = proxy.controller.listenersOf(`default/${name}`).map((l) => l.address);
        if (open.length === 2) return true;
        // Said on failure: which address is missing and what the proxy reported about it.
        throw new Error(`open: ${open.join(', ') || 'none'}; proxy errors: ${proxyErrors.filter((l) => l.includes(name)).join(' ') || 'none'}`);
      },
      { timeoutMs: 30_000, what: 'listeners of the empty Service' },
    );
    expect(proxy.controller.listenersOf(`default/${name}`).map((l) => l.address)).toEqual([`${svc.spec.clusterIP}:8080`, `127.0.0.1:${svc.spec.ports[0].nodePort}`]);
    await expect(get(svc.spec.clusterIP, 8080)).rejects.toThrow(/ECONNRESET|socket hang up/);

    // The app's Service turned NodePort answers on 127.0.0.1:<nodePort> too.
    const web = cluster.projector.state.getByStream(streamName('Service', 'default', app))!;
    const updated = await http.update({ ...web, spec: { ...web.spec, type: 'NodePort' } }, {});
    const nodePort = updated.spec.ports[0].nodePort;
    await eventually(() => proxy.controller.listenersOf(`default/${app}`).length === 2, { what: 'node port listener' });
    const counts = await getMany('127.0.0.1', nodePort, 20);
    expect((counts.get('backend-1') ?? 0) + (counts.get('backend-2') ?? 0)).toBe(20);
  });

  it('closes the listeners of a deleted Service', async () => {
    await http.delete('Service', 'default', app, {});
    await eventually(() => proxy.controller.listenersOf(`default/${app}`).length === 0, { what: 'listeners closed' });
    await expect(get(clusterIP, 80)).rejects.toThrow(/ECONNREFUSED/);
  });
});
