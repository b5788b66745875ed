// @ts-check
'use strict';
/**
 * Makes, before the first start, what the API server and the components need to trust each
 * other (docs/deployment.md, "Bootstrap"):
 *   <data-dir>/pki/{ca.crt,ca.key,apiserver.crt,apiserver.key}   the cluster CA and the API
 *       server's certificate, valid for every --san (the API server reuses them as they are)
 *   <data-dir>/tokens.csv          the static token file: admin, the control plane, each --node
 *   <credentials>/ca.crt           for LOGBOOK_CA_FILE
 *   <credentials>/tokens/<name>    one token per identity, for LOGBOOK_TOKEN_FILE:
 *       admin, scheduler, controller-manager, proxy, node-<node name>
 *   <credentials>/kubeconfig       the admin's, pointing at --server
 * Idempotent: what exists is kept, so running it again only adds new nodes.
 *
 * It uses the API server's own code (dist/libs/apiserver) so the files are the ones it would
 * make itself; the one thing it adds is the certificate's names: the API server alone only
 * knows its listen address, which in a container is 0.0.0.0, not the name clients dial.
 */
const { mkdirSync, writeFileSync } = require('node:fs');
const { X509Certificate } = require('node:crypto');
const { join, resolve } = require('node:path');
const { Command } = require('commander');

const dist = resolve(__dirname, '..', '..', 'dist', 'libs');
const { ensurePki } = require(join(dist, 'apiserver/src/identity/pki.js'));
const { ensureTokenFile } = require(join(dist, 'apiserver/src/identity/token-file.js'));
const { writeKubeconfig } = require(join(dist, 'apiserver/src/identity/kubeconfig.js'));
const { CONTROL_PLANE_IDENTITIES, ensureUserToken, nodeIdentity } = require(join(dist, 'cluster/src/distributed-tokens.js'));

const collect = (value, all) => [...all, value];

async function main() {
  const opts = new Command('bootstrap')
    .description('make the cluster CA, the API server certificate and the tokens before the first start')
    .option('--data-dir <dir>', "the API server's data directory", process.env.LOGBOOK_DATA_DIR ?? '/var/lib/logbook')
    .option('--credentials <dir>', 'where the components read ca.crt and tokens/<name>', '/etc/logbook')
    .option('--san <name>', 'a DNS name or IP the API server is dialled by (repeatable)', collect, [])
    .option('--node <name>', 'a node agent that gets its own identity system:node:<name> (repeatable)', collect, [])
    .option('--server <url>', "the API server URL in the admin's kubeconfig", 'https://127.0.0.1:6443')
    .parse()
    .opts();

  const dataDir = resolve(opts.dataDir);
  const credentials = resolve(opts.credentials);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  mkdirSync(join(credentials, 'tokens'), { recursive: true, mode: 0o700 });

  const sans = [...new Set([...opts.san, 'localhost', '127.0.0.1'])];
  const pki = await ensurePki(dataDir, sans);
  warnOnMissingNames(pki.cert, sans);

  const tokenFile = join(dataDir, 'tokens.csv');
  const tokens = { admin: ensureTokenFile(tokenFile) };
  for (const identity of CONTROL_PLANE_IDENTITIES) tokens[identity.user.replace(/^system:(kube-)?/, '')] = ensureUserToken(tokenFile, identity);
  for (const node of opts.node) tokens[`node-${node}`] = ensureUserToken(tokenFile, nodeIdentity(node));

  writeFileSync(join(credentials, 'ca.crt'), pki.caCert, { mode: 0o644 });
  for (const [name, token] of Object.entries(tokens)) writeFileSync(join(credentials, 'tokens', name), token, { mode: 0o600 });
  writeKubeconfig(join(credentials, 'kubeconfig'), { server: opts.server, caCert: pki.caCert, token: tokens.admin });

  process.stdout.write(
    JSON.stringify({ dataDir, credentials, subjectAltName: new X509Certificate(pki.cert).subjectAltName, identities: Object.keys(tokens) }) + '\n',
  );
}

/** A certificate made earlier is kept as it is: say so when it lacks a name asked for now. */
function warnOnMissingNames(certPem, sans) {
  const altNames = new X509Certificate(certPem).subjectAltName ?? '';
  const missing = sans.filter((name) => !altNames.split(', ').some((entry) => entry === `DNS:${name}` || entry === `IP Address:${name}`));
  if (missing.length > 0) {
    // ensurePki makes the CA and the certificate together, so a new certificate means a new CA.
    process.stderr.write(`warning: the existing API server certificate lacks ${missing.join(', ')}; delete <data-dir>/pki and run bootstrap again (a new CA: hand out ca.crt again)\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`bootstrap failed: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
