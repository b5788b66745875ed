import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CURRENT_SCHEMA_VERSION, type NewEvent } from '@logbook/events';
import { SqliteEventStore } from '@logbook/eventstore';

const EVENTS = 20_000;

function event(i: number): NewEvent {
  return {
    id: randomUUID(),
    type: 'PodStatusChanged',
    // Roughly the size of a small status patch.
    data: { patch: [{ op: 'replace', path: '/status/phase', value: i % 2 ? 'Running' : 'Pending' }, { op: 'add', path: '/status/podIP', value: '127.0.1.7' }] },
    metadata: { time: new Date().toISOString(), actor: 'system:node:bench', correlationId: 'bench', schemaVersion: CURRENT_SCHEMA_VERSION },
  };
}

/** Appends EVENTS single-event appends with `writers` concurrent loops, one stream each. */
async function run(writers: number): Promise<{ seconds: number; perSecond: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'logbook-bench-'));
  const store = await SqliteEventStore.open(dir);
  try {
    const started = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        const stream = `pod/bench/w${w}`;
        const perWriter = Math.floor(EVENTS / writers) + (w < EVENTS % writers ? 1 : 0);
        for (let i = 0; i < perWriter; i++) await store.append(stream, [event(i)], i === 0 ? 'no_stream' : i - 1);
      }),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if ((await store.headPosition()) !== EVENTS) throw new Error('lost appends');
    return { seconds, perSecond: EVENTS / seconds };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function bench(log: (line: string) => void): Promise<void> {
  log(`eventstore append (SQLite, WAL, synchronous=FULL, ${EVENTS} single-event appends, tmp dir ${tmpdir()})`);
  for (const writers of [1, 64]) {
    const { seconds, perSecond } = await run(writers);
    log(`  ${String(writers).padStart(2)} writer(s): ${Math.round(perSecond).toLocaleString('en-US')} events/s (${seconds.toFixed(2)} s)`);
  }
}

if (require.main === module) void bench((line) => console.log(line));
