import type { Command } from 'commander';
import { stringify } from 'yaml';
import { ApiClient, loadEndpoint } from '@logbook/client';

export interface ClientOptions {
  kubeconfig?: string;
}

export function clientFrom(opts: ClientOptions): ApiClient {
  return new ApiClient(loadEndpoint(opts.kubeconfig));
}

/** The options every verb that talks to the API server takes. */
export function withKubeconfig(cmd: Command): Command {
  return cmd.option('--kubeconfig <path>', 'kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config)');
}

/** Writes `value` as json or yaml and returns true, or returns false for the verb's own format. */
export function printStructured(value: unknown, format: string): boolean {
  if (format === 'json') process.stdout.write(JSON.stringify(value, null, 2) + '\n');
  else if (format === 'yaml') process.stdout.write(stringify(value));
  else return false;
  return true;
}

export function checkFormat(format: string, allowed: string[]): void {
  if (!allowed.includes(format)) throw new Error(`unknown output format "${format}": use ${allowed.join(', ')}`);
}

/** Columns padded like kubectl's: left aligned, three spaces apart, headers upper case. */
export function formatColumns(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('   ').trimEnd();
  return [line(headers.map((h) => h.toUpperCase())), ...rows.map(line)].join('\n') + '\n';
}

export function objectName(e: { kind: string; namespace?: string; name: string }): string {
  return `${e.kind.toLowerCase()}/${e.namespace ? `${e.namespace}/` : ''}${e.name}`;
}
