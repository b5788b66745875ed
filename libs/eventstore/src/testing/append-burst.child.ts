// Child process of sqlite-crash.int-spec.ts: appends until killed and prints every
// acknowledged append as "<position> <id>" on stdout (a pipe, written synchronously on Linux,
// so a printed line was acknowledged before the kill).
import { randomUUID } from 'node:crypto';
import { SqliteEventStore } from '../sqlite/sqlite-event-store';
import { anEvent } from './fixtures';

async function main(dir: string): Promise<void> {
  const store = await SqliteEventStore.open(dir);
  const streams = Array.from({ length: 16 }, () => `pod/crash/${randomUUID().slice(0, 8)}`);
  const inFlight = new Set<Promise<void>>();
  process.stdout.write('ready\n');
  for (let i = 0; ; i++) {
    const event = anEvent({ data: { i, payload: 'x'.repeat(200) } });
    const p = store.append(streams[i % streams.length], [event], 'any').then((r) => {
      process.stdout.write(`${r.position} ${event.id}\n`);
    });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    if (inFlight.size >= 64) await Promise.race(inFlight);
  }
}

main(process.argv[2]).catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
