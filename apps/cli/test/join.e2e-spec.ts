import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { eventually, kubectl, makeTmpDir, randomName, runLogbook, startLogbook, type LogbookProcess } from '@logbook/testing';
import { describeWithKafka, testBrokers } from '../../../libs/bus/src/testing/kafka-for-tests';

jest.setTimeout(240_000);

const LOGBOOK = resolve(__dirname, '..', '..', '..', 'bin', 'logbook.js');
const REFUSED = 'the bootstrap token was refused: it is wrong or expired; create one with `logbook token create`';

interface JoinProcess {
  readonly proc: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** `logbook join …` in the foreground, as an operator runs it; `stop()` is its Ctrl-C. */
function startJoin(args: string[]): JoinProcess {
  const proc = spawn(process.execPath, [LOGBOOK, 'join', ...args], { env: { ...process.env, NODE_OPTIONS: '', LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return {
    proc,
    output: () => out,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}

/** `logbook join` with the cluster's bus on a node of its own, the CA pinned by hash. */
describeWithKafka('logbook join: a node joins with a bootstrap token and gets its own certificate', () => {
  const dir = makeTmpDir('logbook-join-');
  const cache = makeTmpDir('kubectl-cache-');
  const prefix = `${randomName('join')}.`;
  const bus = `kafka://${testBrokers().join(',')}`;
  let cluster: LogbookProcess;
  let joinCommand: string[];
  const joins: JoinProcess[] = [];
  const k = (args: string[]) => kubectl(cluster.kubeconfig, args, { cacheDir: cache.path });

  beforeAll(async () => {
    cluster = await startLogbook(join(dir.path, 'cluster'), ['--bus', bus, '--topic-prefix', prefix]);
    const created = await runLogbook(['token', 'create', '--kubeconfig', cluster.kubeconfig, '--description', 'join e2e', '--print-join-command']);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    joinCommand = created.stdout.trim().split(/\s+/);
    expect(joinCommand.slice(0, 2)).toEqual(['logbook', 'join']);
  }, 90_000);

  afterAll(async () => {
    for (const j of joins) await j.stop();
    await cluster?.stop();
    dir.remove();
    cache.remove();
  });

  const joinArgs = (node: string, dataDir: string, overrides: Record<string, string> = {}) => {
    const flags = Object.fromEntries(Array.from({ length: (joinCommand.length - 2) / 2 }, (_, i) => [joinCommand[2 + 2 * i], joinCommand[3 + 2 * i]]));
    const all = { ...flags, '--bus': bus, '--topic-prefix': prefix, '--node-name': node, '--data-dir': dataDir, '--runtime': 'process', '--port': '0', '--pod-cidr': '127.77.0.0/16', '--timeout': '60s', ...overrides };
    return Object.entries(all).flat();
  };

  it('lists the token it created', async () => {
    const list = await runLogbook(['token', 'list', '--kubeconfig', cluster.kubeconfig]);
    const token = joinCommand[joinCommand.indexOf('--token') + 1];
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^${token.replace('.', '\\.')}\\s+2[34]h\\s+\\S+\\s+authentication,signing\\s+join e2e\\s+system:bootstrappers:logbook:default-node-token$`, 'm'));
  });

  it('registers the Node, which goes Ready under a certificate of the cluster CA for system:node:<name>, and runs a pod', async () => {
    const node = randomName('worker');
    const nodeDir = join(dir.path, node);
    const joined = startJoin(joinArgs(node, nodeDir));
    joins.push(joined);
    await eventually(() => joined.output().includes(`node ${node} joined`) || joined.proc.exitCode !== null, { timeoutMs: 90_000, what: 'logbook join to get its certificate' });
    expect(joined.output()).toMatch(/the cluster CA of \S+ matches sha256:[0-9a-f]{64}/);
    expect(joined.output()).toMatch(/certificate signing request node-csr-\w+ approved \(AutoApproved/);
    expect(joined.output()).toContain(`certificate issued for system:node:${node}`);

    const config = parse(readFileSync(join(nodeDir, 'kubeconfig'), 'utf8'));
    const cert = new X509Certificate(Buffer.from(config.users[0].user['client-certificate-data'], 'base64'));
    const ca = new X509Certificate(readFileSync(join(dir.path, 'cluster', 'pki', 'ca.crt')));
    expect(cert.subject.split('\n').sort()).toEqual([`CN=system:node:${node}`, 'O=system:nodes']);
    expect(cert.checkIssued(ca) && cert.verify(ca.publicKey)).toBe(true);
    expect(config.users[0].user.token).toBeUndefined();

    await eventually(
      async () => {
        const r = await k(['get', 'node', node, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
        return r.stdout === 'True';
      },
      { timeoutMs: 60_000, intervalMs: 500, what: `node ${node} Ready` },
    );

    const csrs = await k(['get', 'csr']);
    expect(csrs.stdout).toMatch(/^NAME\s+AGE\s+SIGNERNAME\s+REQUESTOR\s+(REQUESTEDDURATION\s+)?CONDITION/);
    const id = joinCommand[joinCommand.indexOf('--token') + 1].split('.')[0];
    expect(csrs.stdout).toMatch(new RegExp(`^node-csr-\\w+\\s+\\S+\\s+kubernetes.io/kube-apiserver-client-kubelet\\s+system:bootstrap:${id}\\s+(<none>\\s+)?Approved,Issued$`, 'm'));

    const pod = randomName('sleeper');
    const manifest = { apiVersion: 'v1', kind: 'Pod', metadata: { name: pod, namespace: 'default' }, spec: { containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }], terminationGracePeriodSeconds: 1 } };
    const applied = await kubectl(cluster.kubeconfig, ['apply', '-f', '-'], { cacheDir: cache.path, input: JSON.stringify(manifest) });
    expect(applied.stderr).toBe('');
    try {
      await eventually(
        async () => {
          const r = await k(['get', 'pod', pod, '-o', 'jsonpath={.spec.nodeName} {.status.phase}']);
          return r.stdout === `${node} Running`;
        },
        { timeoutMs: 60_000, intervalMs: 500, what: `pod ${pod} Running on ${node}` },
      );
    } finally {
      await k(['delete', 'pod', pod, '--wait=true', '--timeout=60s']);
    }
    await joined.stop();

    // A restart: the credentials in the data directory are used, the token is not needed again.
    const restarted = startJoin(joinArgs(node, nodeDir, { '--token': 'zzzzzz.zzzzzzzzzzzzzzzz' }));
    joins.push(restarted);
    await eventually(() => restarted.output().includes(`node ${node} joined`) || restarted.proc.exitCode !== null, { timeoutMs: 30_000, what: 'the restarted join' });
    expect(restarted.output()).toContain(`using the node credentials already in ${join(nodeDir, 'kubeconfig')}`);
    await restarted.stop();
  });

  it.each([
    ['a wrong token', async () => `${Math.random().toString(36).slice(2, 8).padEnd(6, 'x')}.0123456789abcdef`],
    [
      'an expired token',
      async () => {
        const id = Math.random().toString(36).slice(2, 8).padEnd(6, 'y');
        const data = { 'token-id': id, 'token-secret': 'fedcba9876543210', expiration: '2020-01-01T00:00:00Z', 'usage-bootstrap-authentication': 'true', 'auth-extra-groups': 'system:bootstrappers:logbook:default-node-token' };
        const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' }, type: 'bootstrap.kubernetes.io/token', data: Object.fromEntries(Object.entries(data).map(([kk, v]) => [kk, Buffer.from(v).toString('base64')])) };
        expect((await kubectl(cluster.kubeconfig, ['create', '-f', '-'], { cacheDir: cache.path, input: JSON.stringify(secret) })).code).toBe(0);
        return `${id}.fedcba9876543210`;
      },
    ],
  ])('refuses %s and writes nothing: no file, no CSR, no Node', async (_what, tokenFor) => {
    const token = await tokenFor();
    const node = randomName('intruder');
    const nodeDir = join(dir.path, node);
    const before = await k(['get', 'csr', '-o', 'name']);
    const r = await runLogbook(['join', ...joinArgs(node, nodeDir, { '--token': token })], 60_000);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`error: ${REFUSED}`);
    expect(existsSync(nodeDir)).toBe(false);
    expect((await k(['get', 'csr', '-o', 'name'])).stdout).toBe(before.stdout);
    expect((await k(['get', 'node', node])).stderr).toContain(`nodes "${node}" not found`);
  });

  it('refuses to send a token without a way to verify the server', async () => {
    const node = randomName('nopin');
    const args = joinArgs(node, join(dir.path, node));
    const i = args.indexOf('--ca-cert-hash');
    args.splice(i, 2);
    const r = await runLogbook(['join', ...args], 30_000);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('--ca-cert-hash or --ca-cert is required');
  });

  it('refuses a server whose CA does not match the pin', async () => {
    const node = randomName('badpin');
    const r = await runLogbook(['join', ...joinArgs(node, join(dir.path, node), { '--ca-cert-hash': `sha256:${'0'.repeat(64)}` })], 30_000);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/no certificate of https:\/\/\S+ matches --ca-cert-hash/);
  });
});
