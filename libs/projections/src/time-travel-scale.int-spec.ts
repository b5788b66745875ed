import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SqliteEventStore, inScope } from '@logbook/eventstore';
import { canonicalJson } from './canonical-json';
import { ClusterState } from './state';
import { stateAt } from './time-travel';
import { steadyWorkload } from './testing/steady-workload';

/**
 * Acceptance (issue 6): time travel on a 1,000,000-event log answers in bounded time and
 * memory. Bounds are loose on purpose (a 2-core CI box, jest's heap accounting); the precise
 * figures come from bench/time-travel.bench.ts.
 *
 * What the bounds depend on is the live state, not the log: an answer is "restore the nearest
 * snapshot, fold ≤ SNAPSHOT_EVERY events", and restoring is linear in the objects alive then.
 * So the log here is a steady-state cluster (≈ 4/5 × LIVE pods, each created, bound, started, relabelled
 * and deleted, then replaced) rather than bench/replay's workload, whose live set grows without
 * limit (≈150k pods at 1M events, where one restore alone takes 2-4 s on a 2-core box; the
 * bench measures that case). The whole suite takes 45-90 s on a 2-core box (most of it writing the log).
 */
const EVENTS = Number(process.env.TIME_TRAVEL_EVENTS ?? 1_000_000);
const SNAPSHOT_EVERY = 50_000;
const APPEND_BATCH = 10_000;
const QUERIES = 20;
// The proof that no answer replays from the start is the count of events it folded (below); the
// time bound only catches a pathological slowdown, and is wide because CI runs this beside other suites.
const MAX_ANSWER_MS = 10_000;
const MAX_HEAP_GROWTH = 300 * 2 ** 20;
const LIVE = 20_000;

// Heap growth means memory kept, not garbage not yet collected: collect before each reading.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Deterministic distinct positions in [1, max]; Math.random would make a failure unreproducible. */
function randomPoints(count: number, max: number, seed: number): number[] {
  let x = seed;
  const points = new Set<number>();
  while (points.size < count) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    points.add(1 + Math.floor(((x >>> 0) / 0x100000000) * max));
  }
  return [...points];
}

describe('time travel on a 1,000,000-event log', () => {
  let dir: string;
  let store: SqliteEventStore;
  const points = randomPoints(QUERIES, EVENTS, 7);
  // Two points checked against a full fold; the hashes are taken while building the snapshots.
  const checked = points.slice(0, 2);
  const foldHashes = new Map<number, string>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `logbook-tt-scale-${process.pid}-${Date.now()}-`));
    store = await SqliteEventStore.open(dir);
    let batch: Promise<unknown>[] = [];
    for (const { stream, event } of steadyWorkload(EVENTS, LIVE)) {
      batch.push(store.append(stream, [event], 'any'));
      if (batch.length === APPEND_BATCH) {
        await Promise.all(batch);
        batch = [];
      }
    }
    await Promise.all(batch);

    // One full fold from the start: saves a snapshot every SNAPSHOT_EVERY positions, as the
    // Projector does, and records the full-fold hash at the checked points.
    const state = new ClusterState();
    const marks = [...checked].sort((a, b) => a - b);
    for (;;) {
      const page = await store.readAll({ after: state.position, limit: 10_000 });
      if (page.length === 0) break;
      for (const event of page) {
        state.apply(event);
        if (marks[0] === state.position) foldHashes.set(marks.shift()!, state.stateHash());
        if (state.position % SNAPSHOT_EVERY === 0) await store.saveSnapshot(state.position, state.snapshotEntries());
      }
    }
  }, 600_000);

  afterAll(async () => {
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('has the whole log written', async () => {
    expect(await store.headPosition()).toBe(EVENTS);
    expect(await store.latestSnapshotPosition()).toBe(Math.floor(EVENTS / SNAPSHOT_EVERY) * SNAPSHOT_EVERY);
  });

  it(`answers stateAt at ${QUERIES} random points from a snapshot plus < ${SNAPSHOT_EVERY} events, in < ${MAX_ANSWER_MS} ms each, with bounded heap growth`, async () => {
    // The same store, counting the events its log reads hand out.
    let eventsRead = 0;
    const counting = Object.create(store, {
      readAll: { value: async (...args: Parameters<SqliteEventStore['readAll']>) => {
        const page = await store.readAll(...args);
        eventsRead += page.length;
        return page;
      } },
    }) as SqliteEventStore;
    gc();
    const baseline = process.memoryUsage().heapUsed;
    let maxGrowth = 0;
    const slow: string[] = [];
    const longFolds: string[] = [];
    for (const position of points) {
      eventsRead = 0;
      const started = performance.now();
      const state = await stateAt(counting, store, position);
      const ms = performance.now() - started;
      expect(state.position).toBe(position);
      if (ms >= MAX_ANSWER_MS) slow.push(`${position}: ${ms.toFixed(0)} ms`);
      if (eventsRead >= SNAPSHOT_EVERY) longFolds.push(`${position}: ${eventsRead} events folded`);
      // Measured while the answer is still held: the state itself counts.
      gc();
      maxGrowth = Math.max(maxGrowth, process.memoryUsage().heapUsed - baseline);
      expect(state.count('Pod')).toBeGreaterThan(0);
    }
    expect(longFolds).toEqual([]);
    expect(slow).toEqual([]);
    expect(maxGrowth).toBeLessThan(MAX_HEAP_GROWTH);
  }, 120_000);

  it('gives the same state hash as a full fold from the start', async () => {
    expect(foldHashes.size).toBe(checked.length);
    for (const position of checked) {
      const state = await stateAt(store, store, position);
      expect(state.stateHash()).toBe(foldHashes.get(position));
    }
  }, 60_000);

  it('answers a get (one object) and a namespace list with exactly the full state\'s objects', async () => {
    for (const position of checked) {
      const full = await stateAt(store, store, position);
      const someone = full.list('Pod', { namespace: 'ns-7' })[0];
      const scopes = ['Pod/ns-7', 'Pod/ns-1', `Pod/ns-7/${someone.metadata.name}`, 'Pod/ns-7/pod-0-0'];
      for (const scope of scopes) {
        const scoped = await stateAt(store, store, position, scope);
        expect({ scope, position: scoped.position }).toEqual({ scope, position });
        expect({ scope, objects: objectsOf(scoped) }).toEqual({ scope, objects: objectsOf(full, scope) });
      }
    }
  }, 60_000);
});

function objectsOf(state: ClusterState, scope?: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [stream, obj] of state.view().entries) if (inScope(stream, scope)) out[stream] = canonicalJson(obj);
  return out;
}
