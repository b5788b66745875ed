import type { Command } from 'commander';
import { checkFormat, clientFrom, printStructured, withKubeconfig } from './common';

/** `logbook secrets rotate` and `logbook shred secret/NAME` (docs/security.md "Secrets at rest", "Crypto-shredding"). */
export function registerSecrets(program: Command): void {
  const secrets = program.command('secrets').description('the encryption of Secrets at rest');
  withKubeconfig(
    secrets
      .command('rotate')
      .description("re-wrap every Secret's data key under the first key of the API server's encryption provider config (re-read now); the log is not rewritten")
      .option('-o, --output <format>', 'text or json', 'text'),
  ).action(async (opts: { output: string; kubeconfig?: string }) => {
    checkFormat(opts.output, ['text', 'json']);
    const r = await clientFrom(opts).requestJson('POST', '/apis/logbook.io/v1/secrets/rotate');
    if (printStructured(r, opts.output)) return;
    process.stdout.write(`${r.rewrapped} data key${r.rewrapped === 1 ? '' : 's'} re-wrapped with ${r.current}\n`);
  });

  withKubeconfig(
    program
      .command('shred')
      .description("destroy a Secret's data key: its values, past and present, become [shredded] in the log, snapshots and Kafka; the object stays")
      .argument('<secret/name>', 'e.g. secret/db-password')
      .option('-n, --namespace <ns>', "namespace of the Secret (default: the kubeconfig context's)")
      .option('-o, --output <format>', 'text or json', 'text'),
  ).action(async (ref: string, opts: { namespace?: string; output: string; kubeconfig?: string }) => {
    checkFormat(opts.output, ['text', 'json']);
    const [kind, name] = ref.split('/');
    if (!name || !['secret', 'secrets'].includes(kind.toLowerCase())) throw new Error(`expected secret/<name>, not "${ref}": only Secrets have data keys to shred`);
    const client = clientFrom(opts);
    const r = await client.requestJson('POST', `/apis/logbook.io/v1/shred?${new URLSearchParams({ kind: 'secret', name, namespace: opts.namespace ?? client.namespace })}`);
    if (printStructured(r, opts.output)) return;
    process.stdout.write(`secret/${name} shredded (uid ${r.uid}, at resourceVersion ${r.position})\n`);
  });
}
