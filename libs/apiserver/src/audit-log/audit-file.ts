import { closeSync, mkdirSync, openSync, readdirSync, renameSync, statSync, unlinkSync, write } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';

/** Where audit events go, one JSON line each. */
export interface AuditSink {
  write(line: string): void;
  /** Writes what is buffered and releases the file. */
  close(): Promise<void>;
}

export interface AuditFileOptions {
  /** Rotate once the file would grow past this many megabytes (kube's --audit-log-maxsize); 0: never. */
  readonly maxSizeMB?: number;
  /** Rotated files to keep (kube's --audit-log-maxbackup); 0: all. */
  readonly maxBackups?: number;
}

/** Lines buffered before a write is started at once. */
const FLUSH_BYTES = 256 * 1024;
/** How long lines wait for company: a write per tick is a system call per request or two under load; 25 ms makes it ~40 a second. */
const FLUSH_MS = 25;

/**
 * An append-only JSON-lines file written off the request path: lines are buffered (up to 25 ms or
 * 256 KiB) and handed to the file system by one write at a time (the next batch gathers while one
 * is in flight), so a request never waits for the disk. There is no fsync: a crash may lose the
 * last lines, as with kube-apiserver's log backend. `-` writes to standard output, as kube's `--audit-log-path=-`.
 */
export class AuditFile implements AuditSink {
  private fd: number;
  private size: number;
  private pending: string[] = [];
  private pendingBytes = 0;
  private inFlight: Promise<void> | undefined;
  private scheduled = false;
  private closed = false;
  private rotatedAt = 0;
  /** Events dropped after failed writes (reported once). */
  private lost = 0;

  constructor(
    private readonly path: string,
    private readonly options: AuditFileOptions = {},
  ) {
    if (path === '-') {
      this.fd = 1;
      this.size = 0;
    } else {
      mkdirSync(dirname(path), { recursive: true });
      this.fd = openSync(path, 'a', 0o600);
      this.size = statSync(path).size;
    }
  }

  write(line: string): void {
    if (this.closed) return;
    this.pending.push(line);
    this.pendingBytes += line.length + 1;
    if (this.pendingBytes >= FLUSH_BYTES) this.kick();
    else if (!this.scheduled) {
      this.scheduled = true;
      setTimeout(() => {
        this.scheduled = false;
        this.kick();
      }, FLUSH_MS).unref();
    }
  }

  /** Resolves once every line written so far is in the file. */
  async flush(): Promise<void> {
    while (this.inFlight || this.pending.length) {
      this.kick();
      await this.inFlight;
    }
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    if (this.fd !== 1) closeSync(this.fd);
  }

  private kick(): void {
    if (this.inFlight || !this.pending.length) return;
    const chunk = Buffer.from(this.pending.join('\n') + '\n');
    this.pending = [];
    this.pendingBytes = 0;
    this.inFlight = this.append(chunk)
      .catch((err: Error) => this.failed(err, chunk))
      .finally(() => {
        this.inFlight = undefined;
        if (this.pending.length) this.kick();
      });
  }

  /** As kube's log backend: a failed write is reported and its events are lost; requests go on being served. */
  private failed(err: Error, chunk: Buffer): void {
    const lines = chunk.toString('utf8').split('\n').length - 1;
    this.lost += lines;
    if (this.lost === lines) process.stderr.write(`audit: cannot write ${this.path} (${err.message}); its events are being dropped\n`);
  }

  private async append(chunk: Buffer): Promise<void> {
    const max = (this.options.maxSizeMB ?? 0) * 1024 * 1024;
    if (max > 0 && this.fd !== 1 && this.size > 0 && this.size + chunk.length > max) this.rotate();
    let offset = 0;
    while (offset < chunk.length) {
      offset += await new Promise<number>((resolve, reject) => write(this.fd, chunk, offset, chunk.length - offset, null, (err, n) => (err ? reject(err) : resolve(n))));
    }
    this.size += chunk.length;
  }

  /** kube's (lumberjack's) scheme: `audit.log` becomes `audit-2026-12-06T21-43-02.123.log`. */
  private rotate(): void {
    closeSync(this.fd);
    const ext = extname(this.path);
    const stem = basename(this.path, ext);
    // Monotonic, so two rotations in one millisecond do not overwrite each other's file.
    this.rotatedAt = Math.max(Date.now(), this.rotatedAt + 1);
    const stamp = new Date(this.rotatedAt).toISOString().replace(/:/g, '-').replace(/Z$/, '');
    const rotated = join(dirname(this.path), `${stem}-${stamp}${ext}`);
    renameSync(this.path, rotated);
    this.fd = openSync(this.path, 'a', 0o600);
    this.size = 0;
    const keep = this.options.maxBackups ?? 0;
    if (keep > 0) {
      const backups = readdirSync(dirname(this.path))
        .filter((f) => f.startsWith(`${stem}-`) && f.endsWith(ext) && /^\d{4}-\d\d-\d\dT/.test(f.slice(stem.length + 1)))
        .sort();
      for (const old of backups.slice(0, Math.max(0, backups.length - keep))) unlinkSync(join(dirname(this.path), old));
    }
  }
}
