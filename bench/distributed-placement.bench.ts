import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { request } from 'node:https';
import { Kafka, logLevel } from 'kafkajs';
import { createLogger, startDistributedCluster, startEmbeddedCluster } from '@logbook/cluster';
import { streamJsonLines } from '@logbook/client';
import { keepAliveAgent, openLoop, percentile, postJson } from './http-load';
import { placementDeployment } from './placement.bench';

/**
 * End-to-end placement in distributed mode (issue 7), next to the embedded mode in the same run:
 * a Deployment of DIST_PLACEMENT_PODS replicas on DIST_PLACEMENT_NODES hollow nodes, created and
 * watched over HTTPS, timed from the create until every pod is bound and Running. Distributed =
 * `logbook up --distributed`'s processes (API server, relay, 2 schedulers, 2 controller managers,
 * one hollow-node process) on real Kafka; embedded = `logbook up` in this process (embedded bus).
 * Then API latency: ConfigMap POSTs open-loop at DIST_PLACEMENT_API_RATE/s for
 * DIST_PLACEMENT_API_SECONDS against the idle cluster.
 */
const PODS = Number(process.env.DIST_PLACEMENT_PODS ?? 30_000);
const NODES = Number(process.env.DIST_PLACEMENT_NODES ?? 1_000);
const MODES = (process.env.DIST_PLACEMENT_MODES ?? 'embedded,distributed').split(',');
const KAFKA = process.env.DIST_PLACEMENT_KAFKA ?? 'kafka://127.0.0.1:9092';
const TIMEOUT_MS = Number(process.env.DIST_PLACEMENT_TIMEOUT_S ?? 900) * 1000;
const API_RATE = Number(process.env.DIST_PLACEMENT_API_RATE ?? 500);
const API_SECONDS = Number(process.env.DIST_PLACEMENT_API_SECONDS ?? 10);
const LABEL = 'dist-placement-bench';

interface Target {
  readonly url: string;
  readonly token: string;
  readonly caCert: string;
  /** Resident memory of every process of the cluster, MiB. */
  rssMiB(): number;
  /** CPU seconds used so far by each process of the cluster. */
  cpuSeconds(): Record<string, number>;
  close(): Promise<void>;
}

interface Result {
  readonly mode: string;
  readonly setupS: number;
  readonly boundS: number;
  readonly runningS: number;
  readonly peakRssMiB: number;
  readonly apiP50: number;
  readonly apiP99: number;
  readonly apiErrors: number;
  readonly apiRate: number;
  /** CPU seconds each process spent from the create until every pod ran. */
  readonly placementCpu: Record<string, number>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(what: string, done: () => boolean | Promise<boolean>, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** utime + stime of a process, in seconds (Linux /proc; clock ticks of 100 Hz). */
function cpuOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

function rssOf(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : 0;
  } catch {
    return 0;
  }
}


/** Every consumer group of the prefix has consumed everything (the schedulers have seen every node). */
async function kafkaCaughtUp(prefix: string): Promise<boolean> {
  const admin = new Kafka({ brokers: KAFKA.slice('kafka://'.length).split(','), clientId: 'bench', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
    for (const groupId of groups) {
      for (const { topic, partitions } of await admin.fetchOffsets({ groupId })) {
        const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
        if (partitions.some((p) => Number(p.offset) >= 0 && Number(p.offset) < (ends.get(p.partition) ?? 0))) return false;
      }
    }
    return groups.length > 0;
  } finally {
    await admin.disconnect();
  }
}

async function startTarget(mode: string, dataDir: string, log: (line: string) => void): Promise<Target> {
  const timings = { hollowHeartbeatMs: 60_000, nodeGracePeriodMs: 180_000 };
  if (mode === 'embedded') {
    const cluster = await startEmbeddedCluster({
      dataDir,
      port: 0,
      logger: createLogger('bench', 'warn'),
      nodeAgent: false,
      componentOptions: { hollowNodes: NODES, hollowHeartbeatMs: timings.hollowHeartbeatMs, nodeGracePeriodMs: timings.nodeGracePeriodMs },
    });
    const schedulerCache = cluster.components!.scheduler.cache;
    await waitUntil('nodes in the scheduler cache', () => schedulerCache.list('Node').length >= NODES, 300_000);
    return {
      url: cluster.url,
      token: cluster.adminToken,
      caCert: cluster.api.caCert,
      rssMiB: () => process.memoryUsage().rss / 2 ** 20,
      cpuSeconds: () => ({ 'logbook up (and the bench client)': cpuOf(process.pid) }),
      close: () => cluster.close(),
    };
  }
  const topicPrefix = `bench-${randomUUID().slice(0, 8)}.`;
  const cluster = await startDistributedCluster({
    dataDir,
    port: 0,
    bus: KAFKA,
    topicPrefix,
    nodeAgents: 0,
    proxy: false,
    hollowNodes: NODES,
    hollowHeartbeatMs: timings.hollowHeartbeatMs,
    nodeGracePeriodMs: timings.nodeGracePeriodMs,
    logLevel: 'warn',
    // Only the supervisor's own lines (ready, died) reach the bench output.
    out: (line) => /^(✓|!!!)/.test(line) && log(`  ${line}`),
  });
  const token = cluster.adminToken;
  const caCert = readFileSync(join(dataDir, 'pki', 'ca.crt'), 'utf8');
  const nodes = async () => {
    const res = await fetchJson(cluster.url, token, caCert, '/api/v1/nodes');
    return (res.items as unknown[]).length;
  };
  await waitUntil(`${NODES} nodes registered`, async () => (await nodes()) >= NODES, 300_000);
  await waitUntil('the schedulers to consume every node', () => kafkaCaughtUp(topicPrefix), 300_000);
  const pids = () => cluster.processes.map((p) => p.pid).filter((p): p is number => p !== undefined);
  return {
    url: cluster.url,
    token,
    caCert,
    rssMiB: () => pids().reduce((sum, pid) => sum + rssOf(pid), 0),
    cpuSeconds: () => Object.fromEntries([['bench client', cpuOf(process.pid)], ...cluster.processes.map((p) => [p.name, p.pid ? cpuOf(p.pid) : 0])]),
    close: () => cluster.stop(),
  };
}

async function fetchJson(url: string, token: string, caCert: string, path: string): Promise<any> {
  const agent = keepAliveAgent(caCert, 1);
  try {
    return await new Promise((resolve, reject) => {
      const req = request(new URL(path, url), { agent, headers: { authorization: `Bearer ${token}`, accept: 'application/json' } }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve(JSON.parse(text)));
      });
      req.on('error', reject);
      req.end();
    });
  } finally {
    agent.destroy();
  }
}

async function run(mode: string, log: (line: string) => void): Promise<Result> {
  const dataDir = mkdtempSync(join(tmpdir(), `logbook-bench-${mode}-`));
  const setupStart = Date.now();
  const target = await startTarget(mode, dataDir, log);
  let peakRss = target.rssMiB();
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, target.rssMiB())), 1_000);
  try {
    const setupS = (Date.now() - setupStart) / 1000;
    log(`  ${mode}: ${NODES} nodes ready after ${setupS.toFixed(0)} s`);
    const bound = new Set<string>();
    const running = new Set<string>();
    let boundAt = 0;
    let runningAt = 0;
    const endpoint = { server: target.url, token: target.token, caCert: target.caCert, insecure: false, namespace: 'default' };
    const watch = streamJsonLines(endpoint, `/api/v1/namespaces/default/pods?watch=true&labelSelector=app%3D${LABEL}`, (e) => {
      const pod = e.object;
      if (e.type === 'BOOKMARK' || !pod?.metadata) return;
      if (pod.spec?.nodeName && !bound.has(pod.metadata.name)) {
        bound.add(pod.metadata.name);
        if (bound.size === PODS) boundAt = Date.now();
      }
      if (pod.status?.phase === 'Running' && !running.has(pod.metadata.name)) {
        running.add(pod.metadata.name);
        if (running.size === PODS) runningAt = Date.now();
      }
    });
    const agent = keepAliveAgent(target.caCert, 64);
    const load = { url: target.url, token: target.token, agent };
    const cpuBefore = target.cpuSeconds();
    const start = Date.now();
    const created = await postJson(load, '/apis/apps/v1/namespaces/default/deployments', placementDeployment(LABEL, PODS));
    if (created !== 201) throw new Error(`creating the Deployment answered ${created}`);
    const progress = setInterval(() => log(`  ${((Date.now() - start) / 1000).toFixed(0)} s: ${bound.size} bound, ${running.size} running`), 10_000);
    try {
      await waitUntil(`${PODS} pods Running (${bound.size} bound, ${running.size} running)`, () => boundAt > 0 && runningAt > 0, TIMEOUT_MS);
    } finally {
      clearInterval(progress);
      watch.close();
    }
    const cpuAfter = target.cpuSeconds();
    const placementCpu = Object.fromEntries(Object.entries(cpuAfter).map(([name, s]) => [name, Math.round((s - (cpuBefore[name] ?? 0)) * 10) / 10]));

    const { samples, seconds } = await openLoop(API_RATE, API_SECONDS, (i) => postJson(load, '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `load-${i}` }, data: { payload: 'x'.repeat(200) } }));
    agent.destroy();
    return {
      mode,
      setupS,
      boundS: (boundAt - start) / 1000,
      runningS: (runningAt - start) / 1000,
      peakRssMiB: Math.round(peakRss),
      apiP50: percentile(samples, 50),
      apiP99: percentile(samples, 99),
      apiErrors: samples.filter((s) => s.status !== 201).length,
      apiRate: samples.length / seconds,
      placementCpu,
    };
  } finally {
    clearInterval(rssTimer);
    await target.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const perSecond = (n: number, s: number): string => Math.round(n / s).toLocaleString('en-US');

export async function bench(log: (line: string) => void): Promise<void> {
  log(`distributed placement: a Deployment of ${PODS} replicas on ${NODES} hollow nodes, over HTTPS; modes ${MODES.join(', ')}; then ${API_RATE} ConfigMap POSTs/s for ${API_SECONDS} s`);
  const rows: Result[] = [];
  for (const mode of MODES) {
    log(`run ${mode}`);
    rows.push(await run(mode, log));
  }
  log('');
  log(`| mode | pods | nodes | all bound s | bound pods/s | all Running s | Running pods/s | API p50 ms @${API_RATE}/s | API p99 ms | achieved writes/s | API errors | peak RSS MiB (all processes) | setup s |`);
  log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    log(
      `| ${r.mode} | ${PODS} | ${NODES} | ${r.boundS.toFixed(1)} | ${perSecond(PODS, r.boundS)} | ${r.runningS.toFixed(1)} | ${perSecond(PODS, r.runningS)} | ${r.apiP50.toFixed(1)} | ${r.apiP99.toFixed(1)} | ${Math.round(r.apiRate)} | ${r.apiErrors} | ${r.peakRssMiB} | ${r.setupS.toFixed(0)} |`,
    );
  }
  log('');
  for (const r of rows) log(`CPU seconds during placement, ${r.mode}: ${Object.entries(r.placementCpu).map(([name, s]) => `${name} ${s}`).join(', ')}`);
}

if (require.main === module) void bench((line) => console.log(line));
