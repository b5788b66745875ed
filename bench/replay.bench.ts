import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@logbook/eventstore';
import { ClusterState, FOLD_PAGE_SIZE } from '@logbook/projections';
import { podWorkload } from '../libs/projections/src/testing/workload';

const EVENTS = Number(process.env.REPLAY_EVENTS ?? 1_000_000);
/** Appends queued per group commit: the store writes each tick's appends in one transaction. */
const APPEND_BATCH = 10_000;

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;

/**
 * Replay throughput: a log of EVENTS synthetic pod-lifecycle events (PodCreated with ≈1 KB
 * objects, PodBound, PodStatusChanged and PodUpdated patches, DeletionRequested, ObjectDeleted)
 * in a SQLite store, folded into a fresh ClusterState through readAll paging — what
 * `logbook replay` and a cold start without snapshot do. Target: ≥ 200,000 events/s.
 */
export async function bench(log: (line: string) => void): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'logbook-replay-bench-'));
  try {
    let store = await SqliteEventStore.open(dir);
    log(`replay: appending ${fmt(EVENTS)} events to ${dir} in batches of ${fmt(APPEND_BATCH)} concurrent appends`);
    let started = process.hrtime.bigint();
    let batch: Promise<unknown>[] = [];
    const mix = new Map<string, number>();
    for (const { stream, event } of podWorkload(EVENTS, { seed: 1 })) {
      mix.set(event.type, (mix.get(event.type) ?? 0) + 1);
      batch.push(store.append(stream, [event], 'any'));
      if (batch.length === APPEND_BATCH) {
        await Promise.all(batch);
        batch = [];
      }
    }
    await Promise.all(batch);
    const appendSeconds = seconds(started);
    log(`  append: ${appendSeconds.toFixed(1)} s (${fmt(EVENTS / appendSeconds)} events/s), db ${(statSync(store.file).size / 2 ** 20).toFixed(0)} MiB`);
    log(`  mix: ${[...mix].map(([type, n]) => `${type} ${((100 * n) / EVENTS).toFixed(1)}%`).join(', ')}`);
    await store.close();

    // A fresh handle, so the fold reads from the file rather than from anything the writer cached.
    store = await SqliteEventStore.open(dir);
    for (let run = 1; run <= 2; run++) {
      const state = new ClusterState();
      let readSeconds = 0;
      let applySeconds = 0;
      started = process.hrtime.bigint();
      for (;;) {
        const t0 = process.hrtime.bigint();
        const page = await store.readAll({ after: state.position, limit: FOLD_PAGE_SIZE });
        readSeconds += seconds(t0);
        if (page.length === 0) break;
        const t1 = process.hrtime.bigint();
        for (const event of page) state.apply(event);
        applySeconds += seconds(t1);
      }
      const total = seconds(started);
      const hashStarted = process.hrtime.bigint();
      const hash = state.stateHash();
      log(
        `  fold #${run}: ${fmt(EVENTS / total)} events/s (${total.toFixed(2)} s: readAll ${readSeconds.toFixed(2)} s, apply ${applySeconds.toFixed(2)} s = ${fmt(EVENTS / applySeconds)} events/s)`,
      );
      log(`    ${fmt(state.count('Pod'))} live pods at position ${fmt(state.position)}, stateHash ${hash.slice(0, 16)}… in ${seconds(hashStarted).toFixed(2)} s, ${state.skipped.length} skipped`);
    }
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) void bench((line) => console.log(line));
