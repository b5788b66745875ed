import type { Command } from 'commander';
import { checkFormat, clientFrom, objectName, printStructured, withKubeconfig } from './common';

function describe(s: any): string {
  const extra = s.node ? `  → node ${s.node}` : s.detail ? `  ${s.detail}` : '';
  return `${s.time}  ${s.actor}  ${s.type}  ${objectName(s)}${extra}`;
}

/** The chain root first, each step indented under its cause; the object's later events under its creation. */
export function formatExplanation(x: any): string {
  const lines: string[] = [];
  x.chain.forEach((s: any, i: number) => {
    const root = i === 0 ? (x.rootIsUser ? '  [user request]' : '  [root: no recorded cause]') : '';
    lines.push(`${i === 0 ? '' : `${'   '.repeat(i - 1)}└─ `}${describe(s)}${root}`);
  });
  const pad = '   '.repeat(x.chain.length - 1);
  x.events.forEach((s: any, i: number) => {
    const cause = s.cause && s.cause.id !== x.chain[x.chain.length - 1].id ? `  (caused by ${s.cause.type} of ${objectName(s.cause)} by ${s.cause.actor})` : '';
    lines.push(`${pad}${i === x.events.length - 1 ? '└─' : '├─'} ${describe(s)}${cause}`);
  });
  if (!x.exists) lines.push(`(${x.stream} no longer exists)`);
  return lines.join('\n') + '\n';
}

export function registerExplain(program: Command): void {
  withKubeconfig(
    program
      .command('explain')
      .description("why an object is as it is: the causal chain from a user's request to it, and what happened to it since")
      .argument('<kind/name>', 'e.g. pod/web-7d4-x2x9k')
      .option('-n, --namespace <ns>', "namespace (default: the kubeconfig context's)")
      .option('-o, --output <format>', 'text, json or yaml', 'text'),
  ).action(async (ref: string, opts: { namespace?: string; output: string; kubeconfig?: string }) => {
    checkFormat(opts.output, ['text', 'json', 'yaml']);
    const [kind, name] = ref.split('/');
    if (!kind || !name) throw new Error(`expected <kind>/<name>, e.g. pod/web-7d4-x2x9k, not "${ref}"`);
    const client = clientFrom(opts);
    const x = await client.logbook('explain', { kind, name, namespace: opts.namespace ?? client.namespace });
    if (printStructured(x, opts.output)) return;
    process.stdout.write(formatExplanation(x));
  });
}
