import type { Command } from 'commander';
import { ApiRequestError } from '@logbook/client';
import { caCertHash } from '@logbook/cluster';
import { parseEventTtl } from '@logbook/controllers';
import {
  BOOTSTRAP_TOKEN_NAMESPACE,
  BOOTSTRAP_TOKEN_SECRET_TYPE,
  type KubeObject,
  bootstrapTokenSecret,
  bootstrapTokenSecretName,
  generateBootstrapToken,
  secretText,
} from '@logbook/kube';
import { clientFrom, formatColumns, withKubeconfig } from './common';

const SECRETS = `/api/v1/namespaces/${BOOTSTRAP_TOKEN_NAMESPACE}/secrets`;

interface CreateOptions {
  ttl: string;
  description?: string;
  printJoinCommand?: boolean;
  kubeconfig?: string;
}

/** `logbook token create|list|delete`: bootstrap tokens for joining nodes, as `kubeadm token` manages them. */
export function registerToken(program: Command): void {
  const token = program.command('token').description('bootstrap tokens that let a new node join (logbook join --token …)');

  withKubeconfig(
    token
      .command('create')
      .description('create a bootstrap token and print it (<id>.<secret>)')
      .option('--ttl <duration>', 'how long the token is valid (a Go duration: 24h, 30m; 0: never expires)', '24h')
      .option('--description <text>', 'what the token is for')
      .option('--print-join-command', 'print the whole logbook join command (server, token, CA hash) instead of the token'),
  ).action(async (opts: CreateOptions) => {
    const ttlMs = opts.ttl === '0' || opts.ttl === '0s' ? 0 : parseEventTtl(opts.ttl, '--ttl');
    const client = clientFrom(opts);
    const t = generateBootstrapToken();
    const expiration = ttlMs ? new Date(Date.now() + ttlMs).toISOString().replace(/\.\d+Z$/, 'Z') : undefined;
    await client.requestJson('POST', SECRETS, bootstrapTokenSecret({ token: t, expiration, description: opts.description }));
    const text = `${t.id}.${t.secret}`;
    if (!opts.printJoinCommand) return void process.stdout.write(`${text}\n`);
    const { server, caCert } = client.endpointInfo;
    if (!caCert) throw new Error('the kubeconfig names no certificate authority: the join command needs its hash');
    process.stdout.write(`logbook join --server ${server} --token ${text} --ca-cert-hash ${caCertHash(caCert)}\n`);
  });

  withKubeconfig(token.command('list').description('list bootstrap tokens')).action(async (opts: { kubeconfig?: string }) => {
    const list = await clientFrom(opts).getJson<{ items: KubeObject[] }>(SECRETS);
    const now = Date.now();
    const rows = list.items
      .filter((s) => s.type === BOOTSTRAP_TOKEN_SECRET_TYPE)
      .map((s) => {
        const expiration = secretText(s, 'expiration');
        const usages = ['authentication', 'signing'].filter((u) => secretText(s, `usage-bootstrap-${u}`) === 'true');
        return [
          `${secretText(s, 'token-id')}.${secretText(s, 'token-secret')}`,
          expiration ? ttlLeft(Date.parse(expiration) - now) : '<forever>',
          expiration ?? '<never>',
          usages.join(',') || '<none>',
          secretText(s, 'description') ?? '<none>',
          secretText(s, 'auth-extra-groups') ?? '',
        ];
      });
    if (rows.length === 0) return void process.stdout.write('no bootstrap tokens (create one with: logbook token create)\n');
    process.stdout.write(formatColumns(['token', 'ttl', 'expires', 'usages', 'description', 'extra groups'], rows));
  });

  withKubeconfig(token.command('delete <ids...>').description('delete bootstrap tokens by id (or whole token)')).action(async (ids: string[], opts: { kubeconfig?: string }) => {
    const client = clientFrom(opts);
    for (const given of ids) {
      const id = given.split('.')[0];
      if (!/^[a-z0-9]{6}$/.test(id)) throw new Error(`"${given}" is not a bootstrap token id (6 characters [a-z0-9]) nor a token`);
      try {
        await client.requestJson('DELETE', `${SECRETS}/${bootstrapTokenSecretName(id)}`);
      } catch (err) {
        if (err instanceof ApiRequestError && err.code === 404) throw new Error(`bootstrap token "${id}" not found`, { cause: err });
        throw err;
      }
      process.stdout.write(`bootstrap token "${id}" deleted\n`);
    }
  });
}

/** kubeadm's TTL column: whole hours, minutes or seconds left; `<invalid>` once expired. */
function ttlLeft(ms: number): string {
  if (!(ms > 0)) return '<invalid>';
  const s = Math.floor(ms / 1000);
  if (s >= 3600) return `${Math.floor(s / 3600)}h`;
  if (s >= 60) return `${Math.floor(s / 60)}m`;
  return `${s}s`;
}
