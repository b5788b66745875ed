import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { InProcessClusterClient, componentUser } from '@logbook/apiserver';
import { createLogger, startEmbeddedCluster } from '@logbook/cluster';
import type { KubeObject } from '@logbook/kube';
import { deploymentManifest } from '@logbook/testing';

/**
 * End-to-end placement (issue 4): one Deployment of PLACEMENT_PODS replicas on PLACEMENT_NODES
 * hollow nodes, created through the in-process client; timed from the create until every pod is
 * bound and until every pod is Running, as the projection sees them. PLACEMENT_BUS picks the bus
 * (`embedded` by default, or `kafka://127.0.0.1:9092`); PLACEMENT_BUS=both runs the two.
 */
const PODS = Number(process.env.PLACEMENT_PODS ?? 30_000);
const NODES = Number(process.env.PLACEMENT_NODES ?? 1_000);
const BUS = process.env.PLACEMENT_BUS ?? 'both';
const KAFKA = process.env.PLACEMENT_KAFKA ?? 'kafka://127.0.0.1:9092';
const TIMEOUT_MS = Number(process.env.PLACEMENT_TIMEOUT_S ?? 900) * 1000;
const LABEL = 'placement-bench';

/** The placement workload: N replicas of 50m CPU / 64Mi, labelled app=<name> (also used by distributed-placement). */
export function placementDeployment(name: string, replicas: number): KubeObject {
  return deploymentManifest(name, replicas, { containers: [{ name: 'app', image: 'nginx:1.27', resources: { requests: { cpu: '50m', memory: '64Mi' } } }] }) as KubeObject;
}

interface Result {
  readonly bus: string;
  readonly createdMs: number;
  readonly boundMs: number;
  readonly runningMs: number;
  readonly bound: number;
  readonly running: number;
  readonly events: number;
  readonly peakRssMiB: number;
  readonly setupMs: number;
  /** CPU seconds (user + system) of this process from the create to the last pod Running. */
  readonly cpuS: number;
  /** Scheduled Events (Kubernetes Events) in the state once their writes settled, and occurrences the recorders dropped. */
  readonly scheduledEvents: number;
  /** Occurrences the recorders did not write, by reason (rate_limited is the spam filter working as meant). */
  readonly droppedEvents: Record<string, number>;
  /** CPU seconds and log events from the create until the Kubernetes Events recorded during it were written too. */
  readonly drainedCpuS: number;
  readonly drainedEvents: number;
}

async function waitUntil(what: string, done: () => boolean, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function run(bus: string, log: (line: string) => void): Promise<Result> {
  const dataDir = mkdtempSync(join(tmpdir(), 'logbook-bench-placement-'));
  const topicPrefix = bus.startsWith('kafka:') ? `bench-${randomUUID().slice(0, 8)}.` : '';
  let peakRss = process.memoryUsage().rss;
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 250);
  const setupStart = Date.now();
  const cluster = await startEmbeddedCluster({
    dataDir,
    port: 0,
    logger: createLogger('bench', 'warn'),
    bus: bus === 'embedded' ? undefined : bus,
    // Heartbeats every 60 s would outlast the default 40 s grace: nodes would go Unknown mid-run.
    componentOptions: { hollowNodes: NODES, hollowHeartbeatMs: 60_000, nodeGracePeriodMs: 180_000, topicPrefix },
  });
  try {
    // The scheduler must see every node before the pods come, or it places on the first few.
    const schedulerCache = cluster.components!.scheduler.cache;
    await waitUntil('nodes in the scheduler cache', () => schedulerCache.list('Node').length >= NODES, 120_000);
    const setupMs = Date.now() - setupStart;

    const created = new Set<string>();
    let createdAt = 0;
    const bound = new Set<string>();
    const running = new Set<string>();
    let boundAt = 0;
    let runningAt = 0;
    const scheduled = new Set<string>();
    let lastKubeEventAt = 0;
    const unsubscribe = cluster.projector.onApplied((_event, { after }) => {
      if (after?.kind === 'Event') {
        lastKubeEventAt = Date.now();
        if (after.reason === 'Scheduled') scheduled.add(after.metadata.name!);
        return;
      }
      if (after?.kind !== 'Pod' || after.metadata.labels?.app !== LABEL) return;
      const name = after.metadata.name!;
      if (!created.has(name)) {
        created.add(name);
        if (created.size === PODS) createdAt = Date.now();
      }
      if (after.spec?.nodeName && !bound.has(name)) {
        bound.add(name);
        if (bound.size === PODS) boundAt = Date.now();
      }
      if (after.status?.phase === 'Running' && !running.has(name)) {
        running.add(name);
        if (running.size === PODS) runningAt = Date.now();
      }
    });

    const client = new InProcessClusterClient(cluster.api.writer, cluster.projector, componentUser('admin'));
    const head0 = await cluster.store.headPosition();
    const start = Date.now();
    const cpu0 = process.cpuUsage();
    await client.create(placementDeployment(LABEL, PODS), {});
    const progress = setInterval(() => log(`  ${((Date.now() - start) / 1000).toFixed(0)} s: ${created.size} created, ${bound.size} bound, ${running.size} running`), 5_000);
    let cpu: NodeJS.CpuUsage;
    let events: number;
    try {
      await waitUntil(`${PODS} pods Running (${bound.size} bound, ${running.size} running)`, () => runningAt > 0 && boundAt > 0, TIMEOUT_MS);
      cpu = process.cpuUsage(cpu0);
      events = (await cluster.store.headPosition()) - head0;
      // Kubernetes Events are written in the background: wait until none came for a second.
      await waitUntil('Kubernetes Events to settle', () => Date.now() - lastKubeEventAt > 1_000, 60_000);
    } finally {
      clearInterval(progress);
      unsubscribe();
    }
    const drained = process.cpuUsage(cpu0);
    const drainedEvents = (await cluster.store.headPosition()) - head0;
    const dropped: Record<string, number> = {};
    for (const v of (await cluster.registry.getSingleMetric('logbook_kube_events_dropped_total')?.get())?.values ?? []) dropped[String(v.labels.reason)] = v.value;
    return {
      bus,
      createdMs: createdAt - start,
      boundMs: boundAt - start,
      runningMs: runningAt - start,
      bound: bound.size,
      running: running.size,
      events,
      peakRssMiB: Math.round(peakRss / 2 ** 20),
      setupMs,
      cpuS: (cpu.user + cpu.system) / 1e6,
      scheduledEvents: scheduled.size,
      droppedEvents: dropped,
      drainedCpuS: (drained.user + drained.system) / 1e6,
      drainedEvents,
    };
  } finally {
    clearInterval(rssTimer);
    await cluster.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const perSecond = (n: number, ms: number): string => Math.round((n * 1000) / ms).toLocaleString('en-US');

export async function bench(log: (line: string) => void): Promise<void> {
  log(`placement: a Deployment of ${PODS} replicas (50m CPU / 64Mi each) on ${NODES} hollow nodes (4 CPU / 16Gi), timed from the create`);
  const buses = BUS === 'both' ? ['embedded', KAFKA] : [BUS];
  const rows: Result[] = [];
  for (const bus of buses) {
    log(`run on ${bus}`);
    rows.push(await run(bus, log));
  }
  log('');
  // CPU s: on a shared machine wall time varies with the neighbours' load; the CPU this process spent does not much.
  log('| bus | pods | nodes | all created s | all bound s | bound pods/s | all Running s | Running pods/s | CPU s | CPU ms/pod | events written | peak RSS MiB | setup s |');
  log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    log(
      `| ${r.bus} | ${PODS} | ${NODES} | ${(r.createdMs / 1000).toFixed(1)} | ${(r.boundMs / 1000).toFixed(1)} | ${perSecond(PODS, r.boundMs)} | ${(r.runningMs / 1000).toFixed(1)} | ${perSecond(PODS, r.runningMs)} | ${r.cpuS.toFixed(1)} | ${((r.cpuS * 1000) / PODS).toFixed(2)} | ${r.events.toLocaleString('en-US')} | ${r.peakRssMiB} | ${(r.setupMs / 1000).toFixed(1)} |`,
    );
  }
  // Kubernetes Events (Scheduled, SuccessfulCreate, …) are written in the background; these figures include the writes that finished after the last pod was Running.
  log('');
  log('| bus | Scheduled Events | Events rate-limited | Events dropped (queue full) | events written, Events settled | CPU ms/pod, Events settled |');
  log('|---|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const n = (reason: string) => (r.droppedEvents[reason] ?? 0).toLocaleString('en-US');
    log(`| ${r.bus} | ${r.scheduledEvents.toLocaleString('en-US')} | ${n('rate_limited')} | ${n('queue_full')} | ${r.drainedEvents.toLocaleString('en-US')} | ${((r.drainedCpuS * 1000) / PODS).toFixed(2)} |`);
  }
}

if (require.main === module) void bench((line) => console.log(line));
