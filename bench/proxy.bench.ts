import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { request } from 'node:http';
import { InProcessClusterClient, componentUser } from '@logbook/apiserver';
import { createLogger, startEmbeddedCluster } from '@logbook/cluster';
import type { KubeObject } from '@logbook/kube';
import { ProcessRuntime } from '@logbook/runtime';

const REQUESTS = 2_000;
const CONCURRENCY = [1, 16];
const PORT = 18_080;
const SERVER = resolve(__dirname, '../libs/node-agent/test-fixtures/http-server.js');

/** Nearest-rank percentile of sorted values, p in 0..1. */
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length))) - 1];

/** One GET on a new connection (keep-alive off); resolves with its latency in ms. */
function get(host: string, port: number): Promise<number> {
  const t0 = performance.now();
  return new Promise((ok, fail) => {
    const req = request({ host, port, path: '/', agent: false }, (res) => {
      res.resume();
      res.on('end', () => ok(performance.now() - t0));
    });
    req.on('error', fail);
    req.end();
  });
}

async function run(host: string, port: number, concurrency: number): Promise<{ perSecond: number; p50: number; p99: number; errors: number }> {
  const ms: number[] = [];
  let errors = 0;
  let left = REQUESTS;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (left-- > 0) await get(host, port).then((x) => ms.push(x), () => errors++);
  }));
  const wall = (performance.now() - t0) / 1000;
  ms.sort((a, b) => a - b);
  return { perSecond: ms.length / wall, p50: pct(ms, 0.5), p99: pct(ms, 0.99), errors };
}

const ready = (p: KubeObject | undefined) => p?.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');

/**
 * The service proxy's cost: the same HTTP server pod (a real process) reached directly at its
 * podIP and through its Service's clusterIP, keep-alive off (a new TCP connection per request,
 * the proxy's worst case), in the same run. Load generator and proxy share this process.
 */
export async function bench(log: (line: string) => void): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-proxy-'));
  const cluster = await startEmbeddedCluster({ dataDir: dir, port: 0, logger: createLogger('bench', 'warn'), nodeAgent: { nodeName: 'bench-proxy-node', port: 0, runtime: 'process' } });
  const client = new InProcessClusterClient(cluster.api.writer, cluster.projector, componentUser('bench'));
  try {
    await client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'web', image: 'node:24', command: [process.execPath, SERVER], env: [{ name: 'PORT', value: String(PORT) }], readinessProbe: { tcpSocket: { port: PORT }, periodSeconds: 1 } }] } }, {});
    const svc = await client.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: PORT }] } }, {});
    const deadline = Date.now() + 30_000;
    let pod: KubeObject | undefined;
    for (;;) {
      pod = cluster.projector.state.get('Pod', 'default', 'web');
      const ok = ready(pod) && (await get(svc.spec.clusterIP, 80).then(() => true, () => false));
      if (ok) break;
      if (Date.now() > deadline) throw new Error('pod not Ready / Service not answering within 30 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    const podIP = pod!.status.podIP as string;
    await run(podIP, PORT, 4); // warm-up
    await run(svc.spec.clusterIP, 80, 4);
    log(`${require('node:os').cpus().length} CPUs; ${REQUESTS} GETs per row, keep-alive off; backend: libs/node-agent/test-fixtures/http-server.js`);
    log('| concurrency | path | req/s | p50 ms | p99 ms | errors |');
    log('|---|---|---|---|---|---|');
    for (const c of CONCURRENCY) {
      const direct = await run(podIP, PORT, c);
      const proxied = await run(svc.spec.clusterIP, 80, c);
      const row = (label: string, r: typeof direct) => log(`| ${c} | ${label} | ${Math.round(r.perSecond)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.errors} |`);
      row(`direct ${podIP}:${PORT}`, direct);
      row(`clusterIP ${svc.spec.clusterIP}:80`, proxied);
      log(`| ${c} | proxied/direct | ${(proxied.perSecond / direct.perSecond).toFixed(2)}× | +${(proxied.p50 - direct.p50).toFixed(2)} | +${(proxied.p99 - direct.p99).toFixed(2)} | |`);
    }
  } finally {
    await cluster.close();
    const runtime = new ProcessRuntime({ stateDir: join(dir, 'node') });
    for (const s of await runtime.listSandboxes()) await runtime.removePodSandbox(s.uid);
    await runtime.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) void bench((line) => console.log(line)).then(() => process.exit(0));
