import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { InProcessClusterClient, componentUser } from '@logbook/apiserver';
import { createLogger, startEmbeddedCluster } from '@logbook/cluster';
import type { KubeObject } from '@logbook/kube';
import { NodeAgent } from '@logbook/node-agent';
import { ProcessRuntime } from '@logbook/runtime';

const BURST = 200;
const SERIAL = 50;
const CONCURRENCY = 20;
const SLEEP = ['/bin/sleep', '3600'];
const HOLLOW_FLAG = '--hollow-baseline';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** RSS and V8 heap in MiB after a full GC. */
function memory(): { rss: number; heap: number } {
  gc();
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss / 2 ** 20, heap: m.heapUsed / 2 ** 20 };
}

/** Nearest-rank percentile of sorted values, p in 0..1. */
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length))) - 1];

const ready = (p: KubeObject | undefined) => p?.status?.phase === 'Running' && p.status.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');

/**
 * Pod startup latency with real processes: create (through the API's write path) → Running and
 * Ready in the projection, scheduled by the embedded scheduler, run by a node agent on the process
 * runtime. The container is /bin/sleep so the figure is the orchestrator's, not a runtime's
 * start-up. Also: the in-process RSS growth while the node runs the pods.
 */
export async function bench(log: (line: string) => void): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-pod-startup-'));
  const logger = createLogger('bench', 'warn');
  const cluster = await startEmbeddedCluster({ dataDir: dir, port: 0, logger });
  const runtime = new ProcessRuntime({ stateDir: join(dir, 'node'), addressRange: '127.50.0.0/16' });
  const client = (actor: string) => new InProcessClusterClient(cluster.api.writer, cluster.projector, componentUser(actor));
  const agent = new NodeAgent({ client: client('system:node:bench'), bus: cluster.bus, runtime, nodeName: 'bench-node', port: 0, pods: 1_000, heartbeatIntervalMs: 2_000, workers: 16, });
  await agent.start();
  const user = client('bench');
  const created = new Map<string, number>();
  const latency = new Map<string, number>();
  let onReady: (() => void) | undefined;
  const off = cluster.projector.onApplied((_e, change) => {
    const p = change.after;
    if (p?.kind !== 'Pod' || !created.has(p.metadata.name!) || latency.has(p.metadata.name!) || !ready(p)) return;
    latency.set(p.metadata.name!, performance.now() - created.get(p.metadata.name!)!);
    onReady?.();
  });
  const waitReady = (n: number) => new Promise<void>((resolve) => {
    const check = () => latency.size >= n && resolve();
    onReady = check;
    check();
  });
  const pod = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'busybox', command: SLEEP }] } });
  const create = async (name: string) => {
    created.set(name, performance.now());
    await user.create(pod(name), {});
  };
  const report = (label: string, names: string[]) => {
    const ms = names.map((n) => latency.get(n)!).sort((a, b) => a - b);
    log(`| ${label} | ${ms.length} | ${pct(ms, 0.5).toFixed(0)} | ${pct(ms, 0.99).toFixed(0)} | ${ms[ms.length - 1].toFixed(0)} |`);
  };

  try {
    // Warm-up (first spawn, first writes) not counted.
    await create('warmup');
    await waitReady(1);
    const before = memory();

    log(`machine: ${require('node:os').cpus().length} CPUs; container: ${SLEEP.join(' ')}`);
    log('| mode | pods | p50 ms | p99 ms | max ms |');
    log('|---|---|---|---|---|');
    const serial = Array.from({ length: SERIAL }, (_, i) => `serial-${i}`);
    for (const name of serial) {
      await create(name);
      await waitReady(latency.size + 1);
    }
    report('one at a time', serial);

    const burst = Array.from({ length: BURST }, (_, i) => `burst-${i}`);
    const started = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < burst.length) await create(burst[next++]);
    }));
    await waitReady(1 + SERIAL + BURST);
    const wall = performance.now() - started;
    report(`burst of ${BURST} (${CONCURRENCY} creating at once)`, burst);
    log(`burst: all ${BURST} Running and Ready after ${(wall / 1000).toFixed(1)} s (${(BURST / (wall / 1000)).toFixed(0)} pods/s)`);

    const after = memory();
    const per100 = (a: number, b: number) => ((a - b) / ((SERIAL + BURST) / 100)).toFixed(1);
    log(`memory per 100 running pods, after GC (cluster + node agent in one process): RSS +${per100(after.rss, before.rss)} MiB, V8 heap +${per100(after.heap, before.heap)} MiB`);
    const hollow = await hollowBaseline();
    log(`same pods on hollow nodes (API, projection, controllers, no agent; child process): RSS +${per100(hollow.after.rss, hollow.before.rss)} MiB, V8 heap +${per100(hollow.after.heap, hollow.before.heap)} MiB`);
    log(`node agent's share per 100 pods ≈ RSS ${(Number(per100(after.rss, before.rss)) - Number(per100(hollow.after.rss, hollow.before.rss))).toFixed(1)} MiB, heap ${(Number(per100(after.heap, before.heap)) - Number(per100(hollow.after.heap, hollow.before.heap))).toFixed(1)} MiB`);
  } finally {
    off();
    await agent.stop();
    for (const s of await runtime.listSandboxes()) await runtime.removePodSandbox(s.uid);
    await runtime.close();
    await cluster.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same 251 pods played by hollow nodes, in a fresh process so the agent run's heap does not leak into it. */
function hollowBaseline(): Promise<{ before: { rss: number; heap: number }; after: { rss: number; heap: number } }> {
  return new Promise((ok, fail) => {
    execFile(process.execPath, [...process.execArgv, __filename, HOLLOW_FLAG], { timeout: 120_000 }, (err, stdout) => {
      if (err) return fail(err);
      ok(JSON.parse(stdout.trim().split('\n').pop()!));
    });
  });
}

async function hollowChild(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-pod-startup-hollow-'));
  const cluster = await startEmbeddedCluster({ dataDir: dir, port: 0, logger: createLogger('bench', 'warn'), componentOptions: { hollowNodes: 3 } });
  const user = new InProcessClusterClient(cluster.api.writer, cluster.projector, componentUser('bench'));
  const pod = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox', command: SLEEP }] } });
  const allReady = async (n: number) => {
    const deadline = Date.now() + 60_000;
    while (cluster.projector.state.list('Pod', { namespace: 'default' }).filter(ready).length < n) {
      if (Date.now() > deadline) throw new Error('hollow pods not Ready in 60 s');
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await user.create(pod('warmup'), {});
  await allReady(1);
  const before = memory();
  for (let i = 0; i < SERIAL + BURST; i++) await user.create(pod(`p-${i}`), {});
  await allReady(1 + SERIAL + BURST);
  const after = memory();
  await cluster.close();
  rmSync(dir, { recursive: true, force: true });
  console.log(JSON.stringify({ before, after }));
}

if (require.main === module) {
  const run = process.argv.includes(HOLLOW_FLAG) ? hollowChild() : bench((line) => console.log(line));
  void run.then(() => process.exit(0), (err) => {
    console.error(err);
    process.exit(1);
  });
}
