import type { Command } from 'commander';
import { stringify } from 'yaml';
import { ApiClient, loadEndpoint } from '@logbook/client';
import { formatHistory } from './history-format';

export function registerHistory(program: Command): void {
  program
    .command('history')
    .description('every event of one object (also a deleted one): time, actor, event type and the change as a diff')
    .argument('[kind/name]', 'e.g. deployment/web, pod/web-7d4-x2x9k, ns/team-a (or --uid)')
    .option('--uid <uid>', 'the object with this uid, wherever it lives (also once deleted)')
    .option('--since <point>', 'from this point on: a duration ago (2h), an RFC 3339 time or a resourceVersion')
    .option('--until <point>', 'up to this point (same forms)')
    .option('-n, --namespace <ns>', 'namespace of the object (default: the kubeconfig context\'s)')
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .option('--kubeconfig <path>', 'kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config)')
    .action(async (ref: string | undefined, opts: { namespace?: string; output: string; kubeconfig?: string; uid?: string; since?: string; until?: string }) => {
      if (!['table', 'json', 'yaml'].includes(opts.output)) throw new Error(`unknown output format "${opts.output}": use table, json or yaml`);
      const [kind, name] = (ref ?? '').split('/');
      if (!opts.uid && (!kind || !name)) throw new Error(`expected <kind>/<name>, e.g. deployment/web, or --uid <uid>, not "${ref ?? ''}"`);
      const client = new ApiClient(loadEndpoint(opts.kubeconfig));
      const ns = opts.namespace ?? client.namespace;
      const list = opts.uid
        ? await client.logbook('history', { uid: opts.uid, since: opts.since, until: opts.until })
        : await client.logbook('history', { kind, name, namespace: ns, since: opts.since, until: opts.until });
      if (opts.output === 'json') return void process.stdout.write(JSON.stringify(list.items, null, 2) + '\n');
      if (opts.output === 'yaml') return void process.stdout.write(stringify(list.items));
      if (list.items.length === 0) {
        process.stderr.write(opts.uid ? `no events for uid ${opts.uid} in that range\n` : `no events for ${kind}/${name} in namespace ${ns}\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(formatHistory(list.items));
    });
}
