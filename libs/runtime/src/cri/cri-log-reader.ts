import type { LogOptions } from '../container-runtime.port';
import { readRange, sizeOf, spend } from '../process/log-reader';

/** One log entry: partial (P) records joined up to their final (F) one. */
export interface CriLogEntry {
  readonly time: Date;
  /** RFC 3339 with nine fraction digits, in UTC: what `kubectl logs --timestamps` prints. */
  readonly timestamp: string;
  readonly stream: string;
  readonly text: string;
}

export interface CriLogSource {
  readonly path: string;
  /** True once the container has exited: following stops after draining the file. */
  readonly finished: () => boolean;
  readonly now: () => Date;
  readonly pollMs?: number;
}

const RECORD = /^(\S+) (stdout|stderr) ([FP])(?: (.*))?$/;

/**
 * Parses the CRI log format (`<RFC3339Nano> <stdout|stderr> <F|P> <text>` per record, one
 * record per line; P marks a piece of a line the runtime split). A record the runtime has not
 * finished yet (no newline, or P without its F) is returned as `rest` to be read again.
 */
export function parseCriLog(text: string, final: boolean): { entries: CriLogEntry[]; rest: string } {
  const entries: CriLogEntry[] = [];
  let pending: { first: RegExpExecArray; parts: string[] } | undefined;
  let consumed = 0;
  let pos = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    if (nl === -1 && !final) break;
    const end = nl === -1 ? text.length : nl;
    const m = RECORD.exec(text.slice(pos, end));
    pos = end + 1;
    if (!m) {
      consumed = pos; // not a CRI record (a truncated file's first line): skipped
      continue;
    }
    if (!pending) pending = { first: m, parts: [] };
    pending.parts.push(m[4] ?? '');
    if (m[3] === 'F') {
      entries.push(entryOf(pending.first, pending.parts.join('')));
      pending = undefined;
      consumed = pos;
    }
  }
  if (final && pending) {
    entries.push(entryOf(pending.first, pending.parts.join('')));
    consumed = text.length;
  }
  return { entries, rest: text.slice(Math.min(consumed, text.length)) };
}

function entryOf(m: RegExpExecArray, text: string): CriLogEntry {
  const { time, timestamp } = normalizeTimestamp(m[1]);
  return { time, timestamp, stream: m[2], text };
}

/** containerd writes RFC3339Nano in local time with trailing zeros trimmed; kubectl shows nine digits in UTC. */
export function normalizeTimestamp(ts: string): { time: Date; timestamp: string } {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(ts);
  if (!m) {
    const time = new Date(ts);
    return { time, timestamp: ts };
  }
  const fraction = (m[2] ?? '').padEnd(9, '0').slice(0, 9);
  const seconds = new Date(`${m[1]}${m[3]}`);
  const time = new Date(seconds.getTime() + Number(fraction.slice(0, 3)));
  return { time, timestamp: `${seconds.toISOString().slice(0, 19)}.${fraction}Z` };
}

/** A container's CRI log file as lines, with the options of `kubectl logs` (as the process runtime's reader). */
export async function* readCriLog(source: CriLogSource, options: LogOptions): AsyncGenerator<string> {
  const budget = { left: options.limitBytes ?? Infinity };
  const format = (e: CriLogEntry): string => (options.timestamps ? `${e.timestamp} ${e.text}` : e.text);
  const since = options.sinceSeconds === undefined ? undefined : source.now().getTime() - options.sinceSeconds * 1000;
  const keep = (e: CriLogEntry): boolean => since === undefined || e.time.getTime() >= since;

  let done = !options.follow || source.finished();
  let pos = sizeOf(source.path);
  const first = parseCriLog(readRange(source.path, 0, pos).toString('utf8'), done);
  let carry = first.rest;
  let selected = first.entries.filter(keep);
  if (options.tailLines !== undefined) selected = options.tailLines <= 0 ? [] : selected.slice(-options.tailLines);
  for (const entry of selected) {
    const out = spend(budget, format(entry));
    if (out === undefined) return;
    yield out;
  }
  while (!done) {
    await new Promise((r) => setTimeout(r, source.pollMs ?? 100));
    done = source.finished(); // read before draining, so nothing written before the exit is missed
    const size = sizeOf(source.path);
    if (size < pos) carry = ''; // truncated under us: start over at its beginning
    const chunk = readRange(source.path, size < pos ? 0 : pos, size);
    pos = size;
    const parsed = parseCriLog(carry + chunk.toString('utf8'), done);
    carry = parsed.rest;
    for (const entry of parsed.entries.filter(keep)) {
      const out = spend(budget, format(entry));
      if (out === undefined) return;
      yield out;
    }
  }
}

