import type { Command } from 'commander';
import { streamJsonLines } from '@logbook/client';
import { withAuditFilters, type AuditOptions } from './audit';
import { checkFormat, clientFrom, objectName, withKubeconfig } from './common';

export function registerTail(program: Command): void {
  withKubeconfig(
    withAuditFilters(program.command('tail').description('follow writes live as they are appended, with the same filters as audit'))
      .option('--after <rv>', 'start after this resourceVersion instead of at the head')
      .option('-o, --output <format>', 'text or json (one entry per line)', 'text'),
  ).action(async (opts: AuditOptions & { after?: string; output: string }) => {
    checkFormat(opts.output, ['text', 'json']);
    const client = clientFrom(opts);
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries({ user: opts.user, kind: opts.kind, namespace: opts.namespace, verb: opts.verb, after: opts.after })) if (v) query.set(k, v);
    const stream = streamJsonLines(client.endpointInfo, `/apis/logbook.io/v1/tail?${query}`, (e) => {
      const line = opts.output === 'json' ? JSON.stringify(e) : `${e.time}  ${String(e.position).padEnd(8)} ${e.actor.padEnd(26)} ${e.verb.padEnd(6)} ${objectName(e)}  ${e.type}${e.detail ? `  ${e.detail}` : ''}`;
      process.stdout.write(line + '\n');
    });
    process.on('SIGINT', () => stream.close());
    process.on('SIGTERM', () => stream.close());
    await stream.done;
  });
}
