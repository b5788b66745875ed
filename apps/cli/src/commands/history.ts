import type { Command } from 'commander';
import { stringify } from 'yaml';
import { ApiClient, loadEndpoint } from '@logbook/client';
import { formatHistory } from './history-format';

export function registerHistory(program: Command): void {
  program
    .command('history')
    .description('every event of one object (also a deleted one): time, actor, event type and the change as a diff')
    .argument('<kind/name>', 'e.g. deployment/web, pod/web-7d4-x2x9k, ns/team-a')
    .option('-n, --namespace <ns>', 'namespace of the object (default: the kubeconfig context\'s)')
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .option('--kubeconfig <path>', 'kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config)')
    .action(async (ref: string, opts: { namespace?: string; output: string; kubeconfig?: string }) => {
      const [kind, name] = ref.split('/');
      if (!kind || !name) throw new Error(`expected <kind>/<name>, e.g. deployment/web, not "${ref}"`);
      const client = new ApiClient(loadEndpoint(opts.kubeconfig));
      const ns = opts.namespace ?? client.namespace;
      const query = new URLSearchParams({ kind, name, namespace: ns });
      const list = await client.getJson(`/apis/logbook.io/v1/history?${query}`);
      if (opts.output === 'json') return void process.stdout.write(JSON.stringify(list.items, null, 2) + '\n');
      if (opts.output === 'yaml') return void process.stdout.write(stringify(list.items));
      if (list.items.length === 0) {
        process.stderr.write(`no events for ${kind}/${name} in namespace ${ns}\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(formatHistory(list.items));
    });
}
