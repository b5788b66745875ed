import { appendFileSync, copyFileSync, existsSync, FSWatcher, readFileSync, renameSync, statSync, truncateSync, watch, writeFileSync } from 'node:fs';

/**
 * Why a tap and not a pipe: a container writes straight into its log file (an O_APPEND fd it
 * inherited), so its output never depends on the agent being alive and an agent restart can adopt it.
 * The price is that the process writes no timestamps. While the agent runs, this tap watches the file
 * (inotify) and appends "<size> <time>" samples to a sidecar `<log>.ts`; a line's timestamp is then the
 * time of the first sample that covers its last byte, i.e. when the agent first saw it (accurate to a
 * few ms while the agent is up; lines written while it was down get the time it next looked).
 *
 * Rotation is copy-then-truncate (logrotate's copytruncate): the writer keeps its fd and, thanks to
 * O_APPEND, continues at the start of the emptied file. Bytes written between the copy and the
 * truncate are lost; that race is the accepted cost of not owning the writer's fd.
 */
export class LogTap {
  private watcher?: FSWatcher;
  private pending?: NodeJS.Timeout;
  private lastSize: number;

  constructor(
    private readonly path: string,
    private readonly opts: { readonly maxBytes: number; readonly files: number; readonly now: () => Date },
  ) {
    this.lastSize = lastSampledSize(path);
  }

  start(): this {
    this.sample();
    try {
      this.watcher = watch(this.path, () => this.schedule());
      this.watcher.on('error', () => undefined);
    } catch {
      // file gone already; nothing to watch
    }
    return this;
  }

  stop(): void {
    if (this.pending) clearTimeout(this.pending);
    this.pending = undefined;
    this.watcher?.close();
    this.watcher = undefined;
    this.sample();
  }

  private schedule(): void {
    // Coalesce bursts of writes into one sample; 5 ms bounds the timestamp error this adds.
    this.pending ??= setTimeout(() => {
      this.pending = undefined;
      this.sample();
    }, 5);
  }

  sample(): void {
    const size = sizeOf(this.path);
    if (size < this.lastSize) this.lastSize = 0; // truncated by someone else: start over
    if (size > this.lastSize) {
      appendFileSync(indexPath(this.path), `${size} ${this.opts.now().toISOString()}\n`);
      this.lastSize = size;
    }
    if (size >= this.opts.maxBytes) this.rotate();
  }

  private rotate(): void {
    const { path } = this;
    for (let i = this.opts.files - 1; i >= 2; i--) {
      for (const p of [rotatedPath(path, i - 1), indexPath(rotatedPath(path, i - 1))]) {
        if (existsSync(p)) renameSync(p, p.replace(`.log.${i - 1}`, `.log.${i}`));
      }
    }
    if (this.opts.files >= 2) {
      copyFileSync(path, rotatedPath(path, 1));
      if (existsSync(indexPath(path))) copyFileSync(indexPath(path), indexPath(rotatedPath(path, 1)));
    }
    truncateSync(path, 0);
    writeFileSync(indexPath(path), '');
    this.lastSize = 0;
  }
}

export function indexPath(logPath: string): string {
  return `${logPath}.ts`;
}

export function rotatedPath(logPath: string, n: number): string {
  return `${logPath}.${n}`;
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function lastSampledSize(path: string): number {
  try {
    const lines = readFileSync(indexPath(path), 'utf8').trim().split('\n');
    return Number(lines[lines.length - 1].split(' ')[0]) || 0;
  } catch {
    return 0;
  }
}
