import { existsSync, openSync, closeSync, readFileSync, readSync, statSync } from 'node:fs';
import type { LogOptions } from '../container-runtime.port';
import { indexPath, rotatedPath } from './log-tap';

interface TimedLine {
  readonly text: string;
  readonly time: Date;
}

export interface LogSource {
  readonly path: string; // the attempt's current log file
  readonly files: number; // how many files rotation keeps (current included)
  /** True once the attempt has exited: following stops after draining the file. */
  readonly finished: () => boolean;
  readonly now: () => Date;
  readonly pollMs?: number;
}

/** An attempt's log as lines, oldest first, across its rotated files (see LogTap for timestamps). */
export async function* readLog(source: LogSource, options: LogOptions): AsyncGenerator<string> {
  const budget = { left: options.limitBytes ?? Infinity };
  const format = (l: TimedLine): string => (options.timestamps ? `${rfc3339Nano(l.time)} ${l.text}` : l.text);
  const since = options.sinceSeconds === undefined ? undefined : source.now().getTime() - options.sinceSeconds * 1000;

  const { lines, offset, partial } = readAll(source, options.follow === true);
  let selected = since === undefined ? lines : lines.filter((l) => l.time.getTime() >= since);
  if (options.tailLines !== undefined) selected = options.tailLines <= 0 ? [] : selected.slice(-options.tailLines);
  for (const line of selected) {
    const out = spend(budget, format(line));
    if (out === undefined) return;
    yield out;
  }
  if (!options.follow) return;

  let pos = offset;
  let carry = partial;
  for (;;) {
    const done = source.finished(); // read before draining, so nothing written before exit is missed
    const size = sizeOf(source.path);
    let chunk: Buffer = Buffer.alloc(0);
    if (size < pos) {
      // Rotated under us: the rest of what we were reading is now in <log>.1.
      chunk = Buffer.concat([readRange(rotatedPath(source.path, 1), pos, Infinity), readRange(source.path, 0, size)]);
    } else if (size > pos) {
      chunk = readRange(source.path, pos, size);
    }
    pos = size;
    const text = carry + chunk.toString('utf8');
    const parts = text.split('\n');
    carry = parts.pop() ?? '';
    if (done && carry !== '') parts.push(carry);
    for (const part of parts) {
      const out = spend(budget, format({ text: part, time: source.now() }));
      if (out === undefined) return;
      yield out;
    }
    if (done) return;
    await new Promise((r) => setTimeout(r, source.pollMs ?? 100));
  }
}

/** Whole lines of every kept file; when following, a trailing partial line is held back. */
function readAll(source: LogSource, holdPartial: boolean): { lines: TimedLine[]; offset: number; partial: string } {
  const lines: TimedLine[] = [];
  let offset = 0;
  let partial = '';
  const paths = [...Array(Math.max(0, source.files - 1)).keys()].map((i) => rotatedPath(source.path, source.files - 1 - i));
  for (const path of [...paths, source.path]) {
    if (!existsSync(path)) continue;
    const isCurrent = path === source.path;
    const content = readFileSync(path);
    const samples = readSamples(path);
    let mtime: Date;
    try {
      mtime = statSync(path).mtime;
    } catch {
      mtime = source.now();
    }
    let start = 0;
    while (start < content.length) {
      const nl = content.indexOf(0x0a, start);
      const end = nl === -1 ? content.length : nl + 1;
      const text = content.subarray(start, nl === -1 ? content.length : nl).toString('utf8');
      if (nl === -1 && isCurrent && holdPartial) {
        partial = text;
        break;
      }
      const sample = samples.find((s) => s.size >= end);
      lines.push({ text, time: sample?.time ?? mtime });
      start = end;
    }
    if (isCurrent) offset = start + Buffer.byteLength(partial);
  }
  return { lines, offset, partial };
}

function readSamples(logPath: string): { size: number; time: Date }[] {
  try {
    return readFileSync(indexPath(logPath), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        const [size, time] = l.split(' ');
        return { size: Number(size), time: new Date(time) };
      });
  } catch {
    return [];
  }
}

/** Bytes [from, to) of a file (fewer when it is shorter; none when it is missing). */
export function readRange(path: string, from: number, to: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return Buffer.alloc(0);
  }
  try {
    const end = Math.min(to, statSync(path).size);
    if (end <= from) return Buffer.alloc(0);
    const buf = Buffer.alloc(end - from);
    const n = readSync(fd, buf, 0, buf.length, from);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** A file's size, 0 when it is missing. */
export function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** limitBytes counts the bytes sent, newline included; the line that crosses it is cut, like the kubelet does. */
export function spend(budget: { left: number }, line: string): string | undefined {
  if (budget.left <= 0) return undefined;
  const bytes = Buffer.byteLength(line) + 1;
  if (bytes <= budget.left) {
    budget.left -= bytes;
    return line;
  }
  const cut = Buffer.from(line).subarray(0, budget.left).toString('utf8');
  budget.left = 0;
  return cut;
}

/** Kubernetes prints RFC 3339 with nanoseconds; a JS Date has milliseconds, padded to nine digits. */
export function rfc3339Nano(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}
