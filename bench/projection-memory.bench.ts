import type { StoredEvent } from '@logbook/events';
import { ClusterState } from '@logbook/projections';
import { aPod, at, bound, created, runningPatch, statusChanged } from '../libs/projections/src/testing/fixtures';

const PODS = Number(process.env.MEMORY_PODS ?? 100_000);
const NAMESPACES = 100;
const NODES = 500;

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;

function settle(): NodeJS.MemoryUsage {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage();
}

/**
 * Memory of the projection: PODS running pods (created ≈1 KB, bound, Running with status),
 * each event round-tripped through JSON as the store would hand it over, so no string is
 * shared between pods that would not be shared in production. Target: ≤ 1 GiB RSS.
 * Run alone with `node --expose-gc`, so the figure is not another bench's leftovers.
 */
export async function bench(log: (line: string) => void): Promise<void> {
  if (!(globalThis as { gc?: unknown }).gc) log('warning: run with --expose-gc for settled figures');
  const base = settle();
  const state = new ClusterState();
  let position = 0;
  const apply = (stream: string, event: Parameters<typeof at>[2]) => {
    const stored = JSON.parse(JSON.stringify(at(++position, stream, event))) as StoredEvent;
    state.apply(stored);
  };
  const started = process.hrtime.bigint();
  for (let i = 0; i < PODS; i++) {
    const ns = `ns-${i % NAMESPACES}`;
    const name = `pod-${i}`;
    const stream = `Pod/${ns}/${name}`;
    apply(stream, created(aPod(name, ns, { n: i, labels: { app: `app-${i % 37}` } }), i));
    apply(stream, bound(`node-${i % NODES}`, i));
    apply(stream, statusChanged('Pod', runningPatch(i), i));
  }
  const projectSeconds = seconds(started);
  const after = settle();
  const podBytes = JSON.stringify(state.getByStream('Pod/ns-0/pod-0')).length;
  log(`projection memory: ${PODS.toLocaleString('en-US')} pods (${podBytes} bytes of JSON each), ${NAMESPACES} namespaces, ${NODES} nodes, ${(3 * PODS).toLocaleString('en-US')} events in ${projectSeconds.toFixed(1)} s`);
  log(`  rss ${mib(after.rss)} (baseline ${mib(base.rss)}), heapUsed ${mib(after.heapUsed)} (baseline ${mib(base.heapUsed)}) → ${Math.round((after.heapUsed - base.heapUsed) / PODS)} heap bytes/pod`);

  let t = process.hrtime.bigint();
  const all = state.list('Pod');
  log(`  list all pods (sorted): ${all.length.toLocaleString('en-US')} in ${(seconds(t) * 1000).toFixed(0)} ms; again (cached order) ${(time(() => state.list('Pod')) * 1000).toFixed(0)} ms`);
  log(`  list one namespace: ${(time(() => state.list('Pod', { namespace: 'ns-7' })) * 1000).toFixed(2)} ms; one node: ${(time(() => state.list('Pod', { nodeName: 'node-7' })) * 1000).toFixed(2)} ms; label filter over all: ${(time(() => state.list('Pod', { labels: (l) => l.app === 'app-3' })) * 1000).toFixed(0)} ms`);
  t = process.hrtime.bigint();
  const hash = state.stateHash();
  log(`  stateHash ${hash.slice(0, 16)}… in ${seconds(t).toFixed(2)} s`);
  t = process.hrtime.bigint();
  const snapshot = state.serialize();
  log(`  serialize: ${mib(snapshot.length)} in ${seconds(t).toFixed(2)} s; peak rss so far ${mib(process.memoryUsage().rss)}`);
  t = process.hrtime.bigint();
  const restored = ClusterState.restore(snapshot);
  log(`  restore: ${seconds(t).toFixed(2)} s, same hash: ${restored.stateHash() === hash}`);
}

function time(fn: () => unknown): number {
  const t = process.hrtime.bigint();
  fn();
  return seconds(t);
}

if (require.main === module) void bench((line) => console.log(line));
