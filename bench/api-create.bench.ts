import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, startEmbeddedCluster, type EmbeddedCluster } from '@logbook/cluster';
import { closedLoop, keepAliveAgent, openLoop, percentile, postJson, type LoadTarget, type Sample } from './http-load';

const CLIENTS = [1, 16, 64];
const REQUESTS = 3_000;
const WARMUP = 200;
const OPEN_RATE = 500;
const OPEN_SECONDS = 10;
const OPEN_SOCKETS = 64;
const PATH = '/api/v1/namespaces/default/configmaps';

/** A ConfigMap of about 300 bytes of JSON, named uniquely per run and request. */
function configMap(run: string, i: number): unknown {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${run}-${i}`, labels: { app: 'bench', tier: 'backend' } },
    data: { 'app.properties': 'log.level=info\nfeature.x=true\nretries=3\n', owner: 'bench', region: 'eu-west-1', note: 'x'.repeat(96) },
  };
}

interface Row {
  readonly label: string;
  readonly requests: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly errors: number;
}

function row(label: string, samples: readonly Sample[], seconds: number): Row {
  return {
    label,
    requests: samples.length,
    perSecond: samples.length / seconds,
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    max: Math.max(...samples.map((s) => s.ms)),
    errors: samples.filter((s) => s.status !== 201).length,
  };
}

/** Starts a cluster on a fresh tmp data dir, runs `body` against it, and removes everything. */
async function withCluster<T>(sockets: number, body: (send: (label: string) => (i: number) => Promise<number>) => Promise<T>): Promise<T> {
  const dataDir = mkdtempSync(join(tmpdir(), 'logbook-bench-api-'));
  let cluster: EmbeddedCluster | undefined;
  try {
    cluster = await startEmbeddedCluster({ dataDir, host: '127.0.0.1', port: 0, logger: createLogger('bench', 'warn') });
    const target: LoadTarget = { url: cluster.url, token: cluster.adminToken, agent: keepAliveAgent(cluster.api.caCert, sockets) };
    try {
      const send = (label: string) => (i: number) => postJson(target, PATH, configMap(label, i));
      return await body(send);
    } finally {
      target.agent.destroy();
    }
  } finally {
    await cluster?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function closedLevel(clients: number): Promise<Row> {
  return withCluster(clients, async (send) => {
    const warm = await closedLoop(clients, WARMUP, send('warm'));
    if (warm.samples.some((s) => s.status !== 201)) throw new Error(`warm-up at ${clients} client(s) got non-201 answers`);
    const { samples, seconds } = await closedLoop(clients, REQUESTS, send('cm'));
    return row(`closed, ${clients} client(s)`, samples, seconds);
  });
}

async function openRun(): Promise<Row> {
  return withCluster(OPEN_SOCKETS, async (send) => {
    await closedLoop(16, WARMUP, send('warm'));
    const { samples, seconds } = await openLoop(OPEN_RATE, OPEN_SECONDS, send('cm'));
    return row(`open, ${OPEN_RATE} writes/s × ${OPEN_SECONDS} s`, samples, seconds);
  });
}

const ms = (n: number): string => n.toFixed(2);

export async function bench(log: (line: string) => void): Promise<void> {
  log(`api create: POST ~300 B ConfigMaps to ${PATH}, HTTPS keep-alive, fresh SQLite data dir per run in ${tmpdir()}`);
  log(`closed loop: ${WARMUP} warm-up + ${REQUESTS} requests per level; open loop latency counted from each request's due time`);
  const rows: Row[] = [];
  for (const clients of CLIENTS) rows.push(await closedLevel(clients));
  rows.push(await openRun());
  log('');
  log('| run | requests | req/s | p50 ms | p99 ms | max ms | non-201 |');
  log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    log(`| ${r.label} | ${r.requests} | ${Math.round(r.perSecond).toLocaleString('en-US')} | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.max)} | ${r.errors} |`);
  }
  log('');
  log(`RSS at end: ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB`);
}

if (require.main === module) void bench((line) => console.log(line));
