import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from './sqlite-event-store';

const runner = join(__dirname, '../testing/ts-register.cjs');
const child = join(__dirname, '../testing/append-burst.child.ts');

/**
 * Runs the real adapter in a child process appending in a burst, SIGKILLs it once `killAfter`
 * appends were acknowledged, and returns every acknowledgement it printed before dying.
 */
function burstThenKill(dir: string, killAfter: number): Promise<Map<number, string>> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['-r', runner, child, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked = new Map<number, string>();
    let buffered = '';
    let stderr = '';
    const deadline = setTimeout(() => proc.kill('SIGKILL'), 30_000);
    proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    proc.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      // The last piece may be a line cut by the kill: not an acknowledgement we can trust.
      buffered = lines.pop()!;
      for (const line of lines) {
        const [position, id] = line.split(' ');
        if (id) acked.set(Number(position), id);
      }
      if (acked.size >= killAfter) proc.kill('SIGKILL');
    });
    proc.on('error', reject);
    proc.on('close', (code, signal) => {
      clearTimeout(deadline);
      if (signal === 'SIGKILL' && acked.size >= killAfter) resolve(acked);
      else reject(new Error(`child ended with code ${code} signal ${signal} after ${acked.size} acks: ${stderr}`));
    });
  });
}

describe('SqliteEventStore crash safety', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'logbook-crash-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every acknowledged append, gapless, across SIGKILLs mid-burst', async () => {
    const allAcked = new Map<number, string>();
    for (const killAfter of [2000, 5000]) {
      for (const [position, id] of await burstThenKill(dir, killAfter)) allAcked.set(position, id);

      const store = await SqliteEventStore.open(dir);
      try {
        const head = await store.headPosition();
        const log = new Map<number, string>();
        for (let page = await store.readAll({ limit: 5000 }); page.length > 0; page = await store.readAll({ after: page[page.length - 1].position, limit: 5000 })) {
          for (const e of page) log.set(e.position, e.id);
        }
        expect([...log.keys()]).toEqual(Array.from({ length: head }, (_, i) => i + 1));
        const missing = [...allAcked].filter(([position, id]) => log.get(position) !== id);
        expect(missing).toEqual([]);
        expect(head).toBeGreaterThanOrEqual(Math.max(...allAcked.keys()));
      } finally {
        await store.close();
      }
    }
  }, 60_000);
});
