import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { SqliteEventStore, databaseFile, type EventStore } from '@logbook/eventstore';
import { ClusterState, foldFromStore } from '@logbook/projections';
import { resolvePoint } from '@logbook/apiserver';
import { checkFormat, printStructured } from './common';

interface ReplayOptions {
  dataDir: string;
  to?: string;
  into?: string;
  output: string;
  progress: boolean;
}

const PAGE = 5_000;

/**
 * Copies the log up to `to` into an empty store, in log order, keeping event ids, streams and
 * revisions (so positions come out equal). Appends of one page are issued together: the SQLite
 * store commits them in one transaction (group commit).
 */
async function copyLog(from: EventStore, into: EventStore, to: number, tick: (position: number) => void): Promise<void> {
  let after = 0;
  while (after < to) {
    const page = await from.readAll({ after, to, limit: PAGE });
    if (page.length === 0) break;
    await Promise.all(
      page.map((e) => into.append(e.stream, [{ id: e.id, type: e.type, data: e.data, metadata: e.metadata }], e.revision === 0 ? 'no_stream' : e.revision - 1)),
    );
    after = page[page.length - 1].position;
    tick(after);
  }
}

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description("fold a data directory's log into a fresh projection (ignoring snapshots) and print the state hash")
    .option('--data-dir <dir>', "the cluster's data directory (its SQLite log is read directly; a running cluster may keep writing)", './.logbook')
    .option('--to <point>', 'stop at this point: a resourceVersion, an RFC 3339 time or a duration ago (default: the head)')
    .option('--into <dir>', 'also copy the log (up to the point) into this fresh data directory, and fold that copy')
    .option('--no-progress', 'no progress bar')
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (opts: ReplayOptions) => {
      checkFormat(opts.output, ['text', 'json']);
      if (!existsSync(databaseFile(opts.dataDir))) throw new Error(`no log at ${databaseFile(opts.dataDir)}: pass the cluster's --data-dir`);
      const source = await SqliteEventStore.open(opts.dataDir);
      let target: SqliteEventStore | undefined;
      try {
        const head = await source.headPosition();
        const to = opts.to ? await resolvePoint(source, opts.to, new Date(), 'to') : head;
        const started = Date.now();
        const bar = new SingleBar({ format: ' {task} [{bar}] {percentage}% | {value}/{total} events | {eta_formatted} left', stream: process.stderr, hideCursor: true, noTTYOutput: false }, Presets.shades_classic);
        const showBar = opts.progress && process.stderr.isTTY;
        let replayFrom: EventStore = source;
        if (opts.into) {
          target = await SqliteEventStore.open(opts.into);
          if ((await target.headPosition()) > 0) throw new Error(`--into ${opts.into} already holds a log: give an empty or new directory`);
          if (showBar) bar.start(to, 0, { task: 'copy' });
          await copyLog(source, target, to, (p) => showBar && bar.update(p));
          if (showBar) bar.stop();
          replayFrom = target;
        }
        const state = new ClusterState();
        if (showBar) bar.start(to, 0, { task: 'fold' });
        let n = 0;
        await foldFromStore(state, replayFrom, { to, each: () => ++n % 1000 === 0 && showBar && bar.update(state.position) });
        if (showBar) {
          bar.update(state.position);
          bar.stop();
        }
        const seconds = (Date.now() - started) / 1000;
        const result = { position: state.position, objects: state.count(), hash: state.stateHash(), events: n, seconds, ...(opts.into ? { into: opts.into } : {}) };
        if (printStructured(result, opts.output)) return;
        process.stdout.write(`position ${result.position}  objects ${result.objects}  hash ${result.hash}\n`);
        process.stderr.write(`replayed ${n} events in ${seconds.toFixed(2)} s${opts.into ? ` into ${opts.into}` : ''}\n`);
      } finally {
        await target?.close();
        await source.close();
      }
    });
}
