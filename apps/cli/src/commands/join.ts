import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { JoinError, appEntry, defaultNodeName, discoverCa, requestNodeCredentials, writeNodeKubeconfig } from '@logbook/cluster';
import { parseEventTtl } from '@logbook/controllers';

interface JoinOptions {
  server: string;
  token: string;
  caCertHash?: string;
  caCert?: string;
  nodeName?: string;
  dataDir: string;
  bus?: string;
  topicPrefix: string;
  runtime: string;
  port: string;
  podCidr?: string;
  timeout: string;
}

const say = (line: string) => process.stdout.write(`${line}\n`);

/**
 * `logbook join`: this machine becomes a node of a running cluster. The bootstrap token only
 * buys a client certificate of the node's own (docs/security.md "Joining nodes"); the node
 * agent then runs under that identity, in a process of its own that this command supervises.
 */
export function registerJoin(program: Command): void {
  program
    .command('join')
    .description('join this machine to a cluster as a node: a client certificate through a bootstrap token, then a node agent')
    .requiredOption('--server <url>', 'the API server, https://HOST:PORT')
    .requiredOption('--token <id.secret>', 'a bootstrap token (logbook token create)')
    .option('--ca-cert-hash <sha256:hex>', "pin of the cluster CA's public key (logbook token create --print-join-command prints it)")
    .option('--ca-cert <file>', 'the cluster CA certificate (PEM), instead of --ca-cert-hash')
    .option('--node-name <name>', 'the Node name (default: the host name)')
    .option('--data-dir <dir>', "where the node's kubeconfig, CA and pod state live", './.logbook-node')
    .option('--bus <url>', "the cluster's bus, kafka://HOST:PORT (default $LOGBOOK_BUS)", process.env.LOGBOOK_BUS)
    .option('--topic-prefix <prefix>', "the cluster's topic prefix", process.env.LOGBOOK_TOPIC_PREFIX ?? '')
    .option('--runtime <runtime>', 'containerd, process or auto', process.env.LOGBOOK_RUNTIME ?? 'auto')
    .option('--port <port>', "the node agent's read-only port (0 picks a free one)", '10255')
    .option('--pod-cidr <cidr>', 'pod IPs of the process runtime (give each node on one machine its own)')
    .option('--timeout <duration>', 'how long to wait for the certificate to be approved and signed', '5m')
    .action(async (opts: JoinOptions) => {
      try {
        await runJoin(opts);
      } catch (err) {
        if (err instanceof JoinError) {
          process.stderr.write(`error: ${err.message}\n`);
          process.exit(1);
        }
        throw err;
      }
    });
}

async function runJoin(opts: JoinOptions): Promise<void> {
  if (!opts.caCertHash && !opts.caCert) throw new JoinError('--ca-cert-hash or --ca-cert is required: the token must not be sent to a server whose CA is not known');
  if (!opts.bus) throw new JoinError("--bus (or $LOGBOOK_BUS) is required: the node agent reads its pods from the cluster's bus (kafka://HOST:PORT)");
  const server = new URL(opts.server);
  if (server.protocol !== 'https:') throw new JoinError(`--server must be an https:// URL, not "${opts.server}"`);
  const nodeName = opts.nodeName ?? defaultNodeName();
  const timeoutMs = parseEventTtl(opts.timeout, '--timeout');
  const dataDir = resolve(opts.dataDir);
  const kubeconfig = join(dataDir, 'kubeconfig');

  const held = existingCertificateExpiry(kubeconfig);
  if (held && held > new Date()) {
    say(`using the node credentials already in ${kubeconfig} (valid until ${held.toISOString()})`);
  } else {
    if (held) say(`the certificate in ${kubeconfig} expired at ${held.toISOString()}: asking for a new one`);
    const caCert = opts.caCert ? readFileSync(opts.caCert, 'utf8') : await discoverCa(opts.server, opts.caCertHash!);
    say(opts.caCert ? `trusting the cluster CA in ${opts.caCert}` : `the cluster CA of ${server.host} matches ${opts.caCertHash}`);
    const creds = await requestNodeCredentials({ server: server.origin, token: opts.token, caCert, nodeName, timeoutMs, progress: say });
    // Only now, with a certificate in hand, is anything written: a refused join leaves no trace here.
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(dataDir, 'ca.crt'), caCert);
    writeNodeKubeconfig(kubeconfig, { server: server.origin, caCert, nodeName, cert: creds.cert, key: creds.key });
    say(`wrote ${kubeconfig} (user system:node:${nodeName})`);
  }
  await superviseNodeAgent(opts, nodeName, dataDir, kubeconfig);
}

/** When the client certificate of an earlier join expires; undefined when there is none to reuse. */
function existingCertificateExpiry(kubeconfig: string): Date | undefined {
  if (!existsSync(kubeconfig)) return undefined;
  const data = parse(readFileSync(kubeconfig, 'utf8'))?.users?.[0]?.user?.['client-certificate-data'];
  if (typeof data !== 'string') return undefined;
  return new Date(new X509Certificate(Buffer.from(data, 'base64')).validTo);
}

/** The node agent in the foreground: its output passes through, a signal to this process reaches it, its exit is ours. */
async function superviseNodeAgent(opts: JoinOptions, nodeName: string, dataDir: string, kubeconfig: string): Promise<void> {
  const args = ['--kubeconfig', kubeconfig, '--bus', opts.bus!, '--node-name', nodeName, '--state-dir', join(dataDir, 'node'), '--port', opts.port, '--runtime', opts.runtime, ...(opts.podCidr ? ['--pod-cidr', opts.podCidr] : [])];
  const child = spawn(process.execPath, [appEntry('node-agent'), ...args], {
    env: { ...process.env, NODE_OPTIONS: '', LOGBOOK_TOPIC_PREFIX: opts.topicPrefix, LOGBOOK_CA_FILE: join(dataDir, 'ca.crt') },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  say(`node ${nodeName} joined ${opts.server}: its node agent runs as pid ${child.pid}`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  // A join that dies leaves no agent behind.
  process.once('exit', () => child.exitCode === null && child.kill('SIGTERM'));
  const code = await new Promise<number>((r) => child.once('exit', (c, s) => r(c ?? (s ? 128 : 1))));
  process.exit(code);
}
