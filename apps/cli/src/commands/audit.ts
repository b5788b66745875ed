import type { Command } from 'commander';
import { checkFormat, clientFrom, formatColumns, objectName, printStructured, withKubeconfig } from './common';

export interface AuditOptions {
  user?: string;
  kind?: string;
  namespace?: string;
  verb?: string;
  since?: string;
  until?: string;
  kubeconfig?: string;
}

/** The filters audit and tail share. */
export function withAuditFilters(cmd: Command): Command {
  return cmd
    .option('--user <user>', 'only writes by this user or component (e.g. alice, system:kube-scheduler)')
    .option('--kind <kind>', 'only objects of this kind (deployment, pods, svc, …)')
    .option('-n, --namespace <ns>', 'only objects in this namespace (default: all)')
    .option('--verb <verb>', 'create, update, patch, delete, status, bind or scale');
}

export function registerAudit(program: Command): void {
  withKubeconfig(
    withAuditFilters(program.command('audit').description('who did what, newest first: every write with its time, actor, verb and object'))
      .option('--since <point>', 'from this point on: a duration ago (2h), an RFC 3339 time or a resourceVersion')
      .option('--until <point>', 'up to this point (same forms)')
      .option('--limit <n>', 'entries per page', '100')
      .option('--continue <token>', 'the next page, as printed by the previous one')
      .option('-o, --output <format>', 'table, json or yaml', 'table'),
  ).action(async (opts: AuditOptions & { limit: string; continue?: string; output: string }) => {
    checkFormat(opts.output, ['table', 'json', 'yaml']);
    const client = clientFrom(opts);
    const list = await client.logbook('audit', {
      user: opts.user,
      kind: opts.kind,
      namespace: opts.namespace,
      verb: opts.verb,
      since: opts.since,
      until: opts.until,
      limit: opts.limit,
      continue: opts.continue,
    });
    if (printStructured(list, opts.output)) return;
    if (list.items.length === 0) {
      process.stderr.write('no writes match\n');
      return;
    }
    const rows = list.items.map((e: any) => [e.time, e.actor, e.verb, objectName(e), String(e.position), e.type, e.detail ?? '']);
    process.stdout.write(formatColumns(['time', 'actor', 'verb', 'object', 'rv', 'event', 'detail'], rows));
    if (list.metadata.continue) process.stderr.write(`more: logbook audit … --continue ${list.metadata.continue}\n`);
  });
}
