import type { Command } from 'commander';
import { checkFormat, clientFrom, printStructured, withKubeconfig } from './common';

const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
const ref = (o: { kind: string; namespace?: string; name: string }) => `${o.kind.toLowerCase()}/${o.namespace ? `${o.namespace}/` : ''}${o.name}`;

/** `+` added, `-` removed, `~` changed with `- old` / `+ new` lines per field. */
export function formatDiff(d: { from: number; to: number; added: any[]; removed: any[]; changed: any[] }): string {
  const lines = [`from resourceVersion ${d.from} to ${d.to}: ${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed`];
  for (const o of d.added) lines.push(`+ ${ref(o)}`);
  for (const o of d.removed) lines.push(`- ${ref(o)}`);
  for (const o of d.changed) {
    lines.push(`~ ${ref(o)}  (rv ${o.fromResourceVersion} → ${o.resourceVersion})`);
    for (const c of o.changes) {
      if (c.op !== 'add') lines.push(`    - ${c.path}: ${show(c.from)}`);
      if (c.op !== 'remove') lines.push(`    + ${c.path}: ${show(c.to)}`);
    }
  }
  return lines.join('\n') + '\n';
}

export function registerDiff(program: Command): void {
  withKubeconfig(
    program
      .command('diff')
      .description('objects added, removed and changed between two points, with field-level changes')
      .argument('[kind[/name]]', 'only this kind, or this one object')
      .requiredOption('--from <point>', 'a resourceVersion, an RFC 3339 time or a duration ago')
      .requiredOption('--to <point>', 'same forms')
      .option('-n, --namespace <ns>', 'only this namespace (default: all; for kind/name the kubeconfig context\'s)')
      .option('-o, --output <format>', 'text, json or yaml', 'text'),
  ).action(async (target: string | undefined, opts: { from: string; to: string; namespace?: string; output: string; kubeconfig?: string }) => {
    checkFormat(opts.output, ['text', 'json', 'yaml']);
    const client = clientFrom(opts);
    const [kind, name] = (target ?? '').split('/');
    const namespace = opts.namespace ?? (name ? client.namespace : undefined);
    const d = await client.logbook('diff', { from: opts.from, to: opts.to, kind: kind || undefined, name, namespace });
    if (printStructured(d, opts.output)) return;
    process.stdout.write(formatDiff(d));
  });
}
