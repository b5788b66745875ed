import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { InProcessClusterClient, componentUser } from '@logbook/apiserver';
import { type RuntimeChoice, createLogger, removeContainerdNode, startEmbeddedCluster, startNodeRuntime } from '@logbook/cluster';
import type { KubeObject } from '@logbook/kube';
import { NodeAgent } from '@logbook/node-agent';
import { LocalRegistry, buildAllImages, containerdAvailable, pushImage } from '@logbook/runtime';

const BURST = 100;
const CONCURRENCY = 20;
const SLEEP = ['sleep', '3600'];

/** Nearest-rank percentile of sorted values, p in 0..1. */
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length))) - 1];

const ready = (p: KubeObject | undefined) => p?.status?.phase === 'Running' && p.status.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');

/** A 10.X.0.0/16 this machine routes nowhere yet (benches can't import @logbook/testing: it loads jest). */
function freeCidr(): string {
  const routes = JSON.parse(execFileSync('ip', ['-j', 'route', 'show', 'table', 'all'], { encoding: 'utf8' })) as { dst?: string }[];
  const used = new Set(routes.map((r) => /^10\.(\d+)\./.exec(r.dst ?? '')?.[1]));
  for (let x = 150; x < 250; x++) if (x !== 244 && !used.has(String(x))) return `10.${x}.0.0/16`;
  throw new Error('no free 10.X.0.0/16 for the bench cluster CIDR');
}

/**
 * Issue 11's figure: a burst of 100 pods on one node, create (through the API's write path) →
 * Running and Ready in the projection, on the CRI runtime (a managed containerd, busybox already
 * pulled, `imagePullPolicy: IfNotPresent`) and on the process runtime in the same run. Each runtime
 * gets a fresh embedded cluster so neither inherits the other's log.
 */
export async function bench(log: (line: string) => void): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'bench-ctr-'));
  const registry = await LocalRegistry.start({ dir: join(root, 'registry'), address: '127.0.0.1:0', log: () => undefined });
  try {
    for (const image of await buildAllImages({ log: () => undefined })) await pushImage(image, { registry: registry.address, log: () => undefined });
    log(`machine: ${cpus().length} CPUs, load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}; container: busybox ${SLEEP.join(' ')}; ${CONCURRENCY} creating at once`);
    log('| runtime | pods | p50 ms | p99 ms | max ms | all Ready after |');
    log('|---|---|---|---|---|---|');
    const available = containerdAvailable();
    if (available.ok) await burst('containerd', join(root, 'containerd'), registry.address, log);
    else log(`| containerd | skipped: ${available.reason} | | | | |`);
    await burst('process', join(root, 'process'), registry.address, log);
  } finally {
    await registry.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

async function burst(choice: Exclude<RuntimeChoice, 'auto'>, dir: string, mirror: string, log: (line: string) => void): Promise<void> {
  const logger = createLogger('bench', 'warn');
  const clusterCIDR = freeCidr();
  const cluster = await startEmbeddedCluster({ dataDir: dir, port: 0, logger, componentOptions: { clusterCidr: clusterCIDR, nodeCidrMaskSize: 24 } });
  const client = (actor: string) => new InProcessClusterClient(cluster.api.writer, cluster.projector, componentUser(actor));
  const stateDir = join(dir, 'node');
  const nodeName = `bench-${choice}`;
  let node: Awaited<ReturnType<typeof startNodeRuntime>> | undefined;
  let agent: NodeAgent | undefined;
  const off: (() => void)[] = [];
  try {
    node = await startNodeRuntime({ choice, stateDir, nodeName, client: client(`system:node:${nodeName}`), log: logger, clusterCIDR, processAddressRange: '127.51.0.0/16', registryMirror: mirror });
    // The image is present before the clock starts: the figure is start-up, not a pull.
    if (choice === 'containerd') await node.runtime.images!.pullImage('busybox');
    agent = new NodeAgent({
      client: client(`system:node:${nodeName}`),
      bus: cluster.bus,
      runtime: node.runtime,
      nodeName,
      port: 0,
      pods: 1_000,
      heartbeatIntervalMs: 2_000,
      workers: 16,
      log: logger,
      ...(node.volumes ? { volumes: node.volumes } : {}),
      ...(node.volumesDir ? { volumesDir: node.volumesDir } : {}),
      ...(node.network ? { network: node.network } : {}),
    });
    await agent.start();
    const user = client('bench');
    const created = new Map<string, number>();
    const latency = new Map<string, number>();
    let onReady: (() => void) | undefined;
    off.push(cluster.projector.onApplied((_e, change) => {
      const p = change.after;
      if (p?.kind !== 'Pod' || !created.has(p.metadata.name!) || latency.has(p.metadata.name!) || !ready(p)) return;
      latency.set(p.metadata.name!, performance.now() - created.get(p.metadata.name!)!);
      onReady?.();
    }));
    const waitReady = (n: number, what: string) => new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${choice}: ${latency.size}/${n} pods Ready after 300 s (${what})`)), 300_000);
      const check = () => {
        if (latency.size < n) return;
        clearTimeout(timer);
        resolve();
      };
      onReady = check;
      check();
    });
    const pod = (name: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default' },
      spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: SLEEP }] },
    });
    const create = async (name: string) => {
      created.set(name, performance.now());
      await user.create(pod(name), {});
    };

    // Warm-up (the node's podCIDR and CNI config, first sandbox, first writes) not counted.
    await create('warmup');
    await waitReady(1, 'warm-up');
    const names = Array.from({ length: BURST }, (_, i) => `burst-${i}`);
    const started = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < names.length) await create(names[next++]);
    }));
    await waitReady(1 + BURST, 'burst');
    const wall = performance.now() - started;
    const ms = names.map((n) => latency.get(n)!).sort((a, b) => a - b);
    log(`| ${choice} | ${BURST} | ${pct(ms, 0.5).toFixed(0)} | ${pct(ms, 0.99).toFixed(0)} | ${ms[ms.length - 1].toFixed(0)} | ${(wall / 1000).toFixed(1)} s |`);
  } finally {
    for (const f of off) f();
    await agent?.stop();
    if (node?.kind === 'process') for (const s of await node.runtime.listSandboxes()) await node.runtime.removePodSandbox(s.uid);
    await node?.close();
    if (choice === 'containerd') await removeContainerdNode(stateDir, () => undefined);
    await cluster.close();
  }
}
