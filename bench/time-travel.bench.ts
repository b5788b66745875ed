import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pino from 'pino';
import { SqliteEventStore, type SnapshotEntry, type SnapshotStore } from '@logbook/eventstore';
import { ClusterState, Projector, stateAt } from '@logbook/projections';
import { ensureTokenFile, startApiServer } from '@logbook/apiserver';
import { podWorkload } from '../libs/projections/src/testing/workload';
import { steadyWorkload } from '../libs/projections/src/testing/steady-workload';

const EVENTS = Number(process.env.TIME_TRAVEL_EVENTS ?? 1_000_000);
const QUERIES = Number(process.env.TIME_TRAVEL_QUERIES ?? 20);
const INTERVALS = [10_000, 50_000, 200_000];
const APPEND_BATCH = 10_000;
/** `growing` (bench/replay's workload: ≈150k live pods at 1M events) or `steady` (≈16k live pods throughout). */
const WORKLOAD = process.env.TIME_TRAVEL_WORKLOAD ?? 'growing';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const summary = (ms: number[]) => {
  const s = [...ms].sort((a, b) => a - b);
  return `p50 ${pct(s, 50).toFixed(0)} ms, p99 ${pct(s, 99).toFixed(0)} ms, max ${s[s.length - 1].toFixed(0)} ms (n=${s.length})`;
};

function randomPoints(count: number, max: number, seed: number): number[] {
  let x = seed;
  const out: number[] = [];
  while (out.length < count) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.push(1 + Math.floor(((x >>> 0) / 0x100000000) * max));
  }
  return out;
}

/** Only the snapshots an interval would have written: the newest multiple of `every` at or before the point. */
function everyNth(store: SnapshotStore, every: number): SnapshotStore {
  return {
    saveSnapshot: () => Promise.reject(new Error('read-only')),
    latestSnapshotPosition: (atOrBefore = Number.MAX_SAFE_INTEGER) => store.latestSnapshotPosition(Math.floor(atOrBefore / every) * every),
    readSnapshot: (position, scope) => store.readSnapshot(position, scope),
  };
}

/** A pod alive at `position` (in either workload): the one created last at or before it. */
async function podAt(store: SqliteEventStore, position: number): Promise<{ namespace: string; name: string }> {
  const [created] = await store.readBackward({ before: position + 1, types: ['PodCreated'], limit: 1 });
  const [, namespace, name] = created.stream.split('/');
  return { namespace, name };
}

/**
 * Time travel on a log of EVENTS synthetic pod-lifecycle events (the replay bench's workload,
 * or TIME_TRAVEL_WORKLOAD=steady): bytes per event on disk by type; snapshot size and write
 * time; and at QUERIES random points, for snapshot intervals of 10k / 50k / 200k, the three
 * shapes of a time-travel read: one object (`get pod x --at`, scope `Pod/<ns>/<name>`), one
 * namespace's pods (`get pods -n ns --at`, scope `Pod/<ns>`) and the whole state (`hash --at`,
 * an unscoped `diff`). Then the same get and list through the HTTP API (`?asOf=<rv>`).
 * Target: `get --at` ≤ 100 ms.
 *
 * Only the snapshots the query points need are written (the rest would be identical in kind),
 * so total snapshot bytes per interval are estimated as (number of snapshots × mean size).
 */
export async function bench(log: (line: string) => void): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'logbook-tt-bench-'));
  try {
    const store = await SqliteEventStore.open(dir);
    let started = performance.now();
    let batch: Promise<unknown>[] = [];
    const events = WORKLOAD === 'steady' ? steadyWorkload(EVENTS) : podWorkload(EVENTS, { seed: 1 });
    for (const { stream, event } of events) {
      batch.push(store.append(stream, [event], 'any'));
      if (batch.length === APPEND_BATCH) {
        await Promise.all(batch);
        batch = [];
      }
    }
    await Promise.all(batch);
    const fileBytes = statSync(store.file).size;
    log(`time-travel (${WORKLOAD} workload): ${fmt(EVENTS)} events appended in ${((performance.now() - started) / 1000).toFixed(1)} s; db ${mib(fileBytes)} = ${fmt(fileBytes / EVENTS)} bytes/event on disk (rows + indexes)`);
    bytesByType(store.file, log);

    // Points per interval; the snapshots they need, written during one fold from the start.
    const points = randomPoints(QUERIES, EVENTS, 11);
    const needed = new Set<number>();
    for (const every of INTERVALS) for (const p of points) if (p >= every) needed.add(Math.floor(p / every) * every);
    const sizes = new Map<number, number>();
    let writeMs = 0;
    const state = new ClusterState();
    started = performance.now();
    for (;;) {
      const page = await store.readAll({ after: state.position, limit: 10_000 });
      if (page.length === 0) break;
      for (const event of page) {
        state.apply(event);
        if (!needed.has(state.position)) continue;
        const t = performance.now();
        const entries = state.snapshotEntries();
        await store.saveSnapshot(state.position, entries);
        writeMs += performance.now() - t;
        sizes.set(state.position, entryBytes(entries));
      }
    }
    const meanWrite = writeMs / needed.size;
    log(`  fold + ${needed.size} snapshots: ${((performance.now() - started) / 1000).toFixed(1)} s; ${fmt(state.count('Pod'))} live pods at the head`);
    const headSize = entryBytes(state.snapshotEntries());
    log(`  snapshot size grows with the live state: ${mib(headSize)} at the head (${fmt(state.count())} objects, ${fmt(headSize / Math.max(1, state.count()))} bytes/object); write (serialize + save) ${meanWrite.toFixed(0)} ms mean`);

    const pods = await Promise.all(points.map((p) => podAt(store, p)));
    for (const every of INTERVALS) {
      const count = Math.floor(EVENTS / every);
      const own = [...sizes].filter(([p]) => p % every === 0).map(([, s]) => s);
      const mean = own.reduce((a, b) => a + b, 0) / Math.max(1, own.length);
      const snapshots = everyNth(store, every);
      const timed = async (scopeOf: (i: number) => string | undefined) => {
        const ms: number[] = [];
        for (const [i, p] of points.entries()) {
          const t = performance.now();
          const s = await stateAt(store, snapshots, p, scopeOf(i));
          ms.push(performance.now() - t);
          if (s.position !== p) throw new Error(`stateAt(${p}) gave position ${s.position}`);
        }
        return summary(ms);
      };
      log(`  every ${fmt(every)}: ${count} snapshots ≈ ${mib(count * mean)} (mean ${mib(mean)}), ≈ ${((count * meanWrite) / 1000).toFixed(0)} s writing them`);
      log(`    one object (get --at): ${await timed((i) => `Pod/${pods[i].namespace}/${pods[i].name}`)}`);
      log(`    one namespace (list --at): ${await timed((i) => `Pod/${pods[i].namespace}`)}`);
      log(`    whole state (hash --at): ${await timed(() => undefined)}`);
    }

    // The same points, so that the server's nearest snapshots are the 10k-interval ones.
    await httpAsOf(store, dir, points, pods, log);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function entryBytes(entries: readonly SnapshotEntry[]): number {
  let bytes = 0;
  for (const [stream, object] of entries) bytes += stream.length + Buffer.byteLength(object);
  return bytes;
}

/** Row bytes by event type (column payloads; SQLite's per-row and index overhead come on top). */
function bytesByType(file: string, log: (line: string) => void): void {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const rows = db
      .prepare(
        `SELECT type, count(*) AS n, avg(length(data)) AS data,
                avg(length(stream) + length(id) + length(type) + length(time) + length(actor)
                    + coalesce(length(causation_id), 0) + coalesce(length(correlation_id), 0) + 24) AS meta
           FROM events GROUP BY type ORDER BY n DESC`,
      )
      .all() as { type: string; n: number; data: number; meta: number }[];
    for (const r of rows) log(`  ${r.type}: ${fmt(r.n)} events, ${fmt(r.data + r.meta)} bytes/event (data ${fmt(r.data)}, envelope ${fmt(r.meta)})`);
  } finally {
    db.close();
  }
}

/** `GET …/namespaces/<ns>/pods/<name>?asOf=<rv>` and `GET …/namespaces/<ns>/pods?asOf=<rv>` against a real API server on the same log. */
async function httpAsOf(store: SqliteEventStore, dir: string, points: number[], pods: { namespace: string; name: string }[], log: (line: string) => void): Promise<void> {
  const logger = pino({ level: 'silent' });
  const projector = new Projector(store, store, { snapshotEvery: Number.MAX_SAFE_INTEGER });
  await projector.start();
  const tokenFile = join(dir, 'tokens.csv');
  const token = ensureTokenFile(tokenFile);
  const api = await startApiServer({ store, projector, dataDir: dir, tokenFile, host: '127.0.0.1', port: 0, logger });
  try {
    const timed = async (pathOf: (i: number) => string) => {
      const ms: number[] = [];
      const statuses = new Map<number, number>();
      for (const [i, p] of points.entries()) {
        const t = performance.now();
        const status = await get(`${api.url}${pathOf(i)}?asOf=${p}`, api.caCert, token);
        ms.push(performance.now() - t);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
      return `${summary(ms)}; statuses ${[...statuses].map(([s, n]) => `${s}×${n}`).join(', ')}`;
    };
    log(`  HTTP (nearest snapshot as with every 10,000), first read of each point:`);
    log(`    get pod ?asOf=<rv>: ${await timed((i) => `/api/v1/namespaces/${pods[i].namespace}/pods/${pods[i].name}`)}`);
    log(`    list pods -n ?asOf=<rv>: ${await timed((i) => `/api/v1/namespaces/${pods[i].namespace}/pods`)}`);
  } finally {
    await api.close();
    await projector.stop();
  }
}

function get(url: string, ca: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

if (require.main === module) void bench((line) => console.log(line));
