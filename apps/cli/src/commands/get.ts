import type { Command } from 'commander';
import { resolveResource, apiVersionOf } from '@logbook/kube';
import { checkFormat, clientFrom, formatColumns, printStructured, withKubeconfig } from './common';

const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io';

interface GetOptions {
  namespace?: string;
  allNamespaces?: boolean;
  at?: string;
  output: string;
  selector?: string;
  kubeconfig?: string;
}

export function registerGet(program: Command): void {
  withKubeconfig(
    program
      .command('get')
      .description('get objects like kubectl, live or as they were at a point (--at)')
      .argument('<kind>', 'deployment, pods, svc, …')
      .argument('[name]', 'one object')
      .option('--at <point>', 'a resourceVersion (1234), an RFC 3339 time or a duration ago (-10m, 2h)')
      .option('-n, --namespace <ns>', "namespace (default: the kubeconfig context's)")
      .option('-A, --all-namespaces', 'list across all namespaces')
      .option('-l, --selector <selector>', 'label selector')
      .option('-o, --output <format>', 'table, wide, yaml or json', 'table'),
  ).action(async (kind: string, name: string | undefined, opts: GetOptions) => {
    checkFormat(opts.output, ['table', 'wide', 'yaml', 'json']);
    const resource = resolveResource(kind);
    if (!resource) throw new Error(`unknown kind "${kind}": use a kind, plural or short name such as deployment, pods or svc`);
    const client = clientFrom(opts);
    const ns = resource.namespaced && !(opts.allNamespaces && !name) ? opts.namespace ?? client.namespace : undefined;
    const base = resource.group ? `/apis/${apiVersionOf(resource)}` : '/api/v1';
    const query = new URLSearchParams();
    if (opts.at) query.set('asOf', opts.at);
    if (opts.selector) query.set('labelSelector', opts.selector);
    const path = `${base}${ns ? `/namespaces/${ns}` : ''}/${resource.plural}${name ? `/${name}` : ''}${query.size ? `?${query}` : ''}`;
    const structured = opts.output === 'json' || opts.output === 'yaml';
    const body = await client.getJson(path, structured ? 'application/json' : TABLE);
    if (printStructured(body, opts.output)) return;
    const wide = opts.output === 'wide';
    const columns = (body.columnDefinitions as { name: string; priority: number }[]).map((c, i) => ({ ...c, i })).filter((c) => wide || c.priority === 0);
    const showNs = resource.namespaced && ns === undefined;
    const rows = (body.rows as { cells: unknown[]; object: any }[]).map((r) => [
      ...(showNs ? [String(r.object?.metadata?.namespace ?? '')] : []),
      ...columns.map((c) => (r.cells[c.i] === undefined || r.cells[c.i] === null ? '<none>' : String(r.cells[c.i]))),
    ]);
    if (rows.length === 0) {
      process.stderr.write(`No resources found${ns ? ` in ${ns} namespace` : ''}${opts.at ? ` at ${opts.at}` : ''}.\n`);
      return;
    }
    process.stdout.write(formatColumns([...(showNs ? ['namespace'] : []), ...columns.map((c) => c.name)], rows));
  });
}
