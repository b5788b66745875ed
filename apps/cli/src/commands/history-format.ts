interface Entry {
  position: number;
  time: string;
  actor: string;
  type: string;
  changes: { path: string; op: string; from?: unknown; to?: unknown }[];
}

const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** One block per event: a header line, then the change as `- old` / `+ new` lines per field. */
export function formatHistory(entries: Entry[]): string {
  const lines: string[] = [];
  for (const e of entries) {
    lines.push(`${String(e.position).padEnd(8)} ${e.time}  ${e.actor.padEnd(16)} ${e.type}`);
    if (e.type.endsWith('Created')) {
      lines.push(`    + created`);
      continue;
    }
    if (e.type === 'ObjectDeleted') {
      lines.push(`    - deleted`);
      continue;
    }
    for (const c of e.changes) {
      if (c.op !== 'add') lines.push(`    - ${c.path}: ${show(c.from)}`);
      if (c.op !== 'remove') lines.push(`    + ${c.path}: ${show(c.to)}`);
    }
  }
  return lines.join('\n') + '\n';
}
