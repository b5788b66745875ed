import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, startEmbeddedCluster, type EmbeddedCluster, type EmbeddedClusterOptions } from '@logbook/cluster';
import { closedLoop, keepAliveAgent, openLoop, percentile, postJson, type LoadTarget, type Sample } from './http-load';

const CLIENTS = [1, 16, 64];
const REQUESTS = 3_000;
const WARMUP = 200;
const OPEN_RATE = 500;
const OPEN_SECONDS = 10;
const OPEN_SOCKETS = 64;
const PATH = '/api/v1/namespaces/default/configmaps';

/** A ConfigMap of about 300 bytes of JSON, named uniquely per run and request. */
function configMap(run: string, i: number): unknown {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${run}-${i}`, labels: { app: 'bench', tier: 'backend' } },
    data: { 'app.properties': 'log.level=info\nfeature.x=true\nretries=3\n', owner: 'bench', region: 'eu-west-1', note: 'x'.repeat(96) },
  };
}

interface Row {
  readonly label: string;
  readonly requests: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly errors: number;
}

function row(label: string, samples: readonly Sample[], seconds: number): Row {
  return {
    label,
    requests: samples.length,
    perSecond: samples.length / seconds,
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    max: Math.max(...samples.map((s) => s.ms)),
    errors: samples.filter((s) => s.status !== 201).length,
  };
}

/** Starts a cluster on a fresh tmp data dir, runs `body` against it, and removes everything. */
async function withCluster<T>(sockets: number, body: (send: (label: string) => (i: number) => Promise<number>) => Promise<T>): Promise<T> {
  return withClusterOf(() => ({}), sockets, async (target) => body((label) => (i) => postJson(target, PATH, configMap(label, i))));
}

/**
 * A cluster started with `options(dataDir)`; `token(cluster, dataDir)` may return the bearer token
 * to load it with (default: the admin's).
 */
async function withClusterOf<T>(
  options: (dataDir: string) => Partial<EmbeddedClusterOptions>,
  sockets: number,
  body: (target: LoadTarget) => Promise<T>,
  token?: (cluster: EmbeddedCluster, dataDir: string) => Promise<string>,
): Promise<T> {
  const dataDir = mkdtempSync(join(tmpdir(), 'logbook-bench-api-'));
  let cluster: EmbeddedCluster | undefined;
  try {
    cluster = await startEmbeddedCluster({ dataDir, host: '127.0.0.1', port: 0, logger: createLogger('bench', 'warn'), ...options(dataDir) });
    const target: LoadTarget = { url: cluster.url, token: token ? await token(cluster, dataDir) : cluster.adminToken, agent: keepAliveAgent(cluster.api.caCert, sockets) };
    try {
      return await body(target);
    } finally {
      target.agent.destroy();
    }
  } finally {
    await cluster?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function closedLevel(clients: number): Promise<Row> {
  return withCluster(clients, async (send) => {
    const warm = await closedLoop(clients, WARMUP, send('warm'));
    if (warm.samples.some((s) => s.status !== 201)) throw new Error(`warm-up at ${clients} client(s) got non-201 answers`);
    const { samples, seconds } = await closedLoop(clients, REQUESTS, send('cm'));
    return row(`closed, ${clients} client(s)`, samples, seconds);
  });
}

async function openRun(): Promise<Row> {
  return withCluster(OPEN_SOCKETS, async (send) => {
    await closedLoop(16, WARMUP, send('warm'));
    const { samples, seconds } = await openLoop(OPEN_RATE, OPEN_SECONDS, send('cm'));
    return row(`open, ${OPEN_RATE} writes/s × ${OPEN_SECONDS} s`, samples, seconds);
  });
}

const ms = (n: number): string => n.toFixed(2);

/**
 * The cost of security: the same closed loop with it on and off, in alternating order (off-on,
 * on-off, …) so a busy machine's drift hits both; the summary compares medians.
 */
const SECURITY_CLIENTS = 16;
const SECURITY_REQUESTS = 3_000;
const SECURITY_ROUNDS = 3;
const SECURITY_USER = 'bench-writer';

/** Objects of about 512 bytes of JSON: a ConfigMap, and a Secret with as much (base64) data. */
function sized(kind: 'ConfigMap' | 'Secret', run: string, i: number): unknown {
  const metadata = { name: `${run}-${i}`, labels: { app: 'bench', tier: 'backend' } };
  const filler = 'x'.repeat(330);
  return kind === 'ConfigMap'
    ? { apiVersion: 'v1', kind, metadata, data: { 'app.properties': 'log.level=info\nfeature.x=true\n', note: filler } }
    : { apiVersion: 'v1', kind, metadata, type: 'Opaque', data: { password: Buffer.from(filler.slice(0, 272)).toString('base64') } };
}

const PATHS = { ConfigMap: '/api/v1/namespaces/default/configmaps', Secret: '/api/v1/namespaces/default/secrets' } as const;

/**
 * Security on: Node,RBAC authorization for a user bound to `edit` in the namespace (not a
 * system:masters admin, whom RBAC allows at its first rule), Secrets encrypted by the default
 * EncryptionConfiguration `logbook up` makes (aesgcm, a data key per Secret), and every request
 * audited at Metadata. Off: AlwaysAllow, the identity provider (no encryption), no audit.
 */
function securityOptions(on: boolean): (dataDir: string) => Partial<EmbeddedClusterOptions> {
  return (dataDir) => {
    if (!on) return { authorizationMode: 'AlwaysAllow', encryptionProviderConfig: 'identity' };
    const policyFile = join(dataDir, 'audit-policy.yaml');
    writeFileSync(policyFile, JSON.stringify({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', omitStages: ['RequestReceived'], rules: [{ level: 'Metadata' }] }));
    return { authorizationMode: 'Node,RBAC', audit: { policyFile, logPath: join(dataDir, 'audit.log') } };
  };
}

/** A token of SECURITY_USER, bound to the `edit` ClusterRole in `default`, once the server accepts it. */
async function editorToken(cluster: EmbeddedCluster, dataDir: string): Promise<string> {
  const token = `bench-${Math.random().toString(36).slice(2)}`;
  appendFileSync(join(dataDir, 'tokens.csv'), `${token},${SECURITY_USER},${SECURITY_USER},"bench"\n`);
  const admin: LoadTarget = { url: cluster.url, token: cluster.adminToken, agent: keepAliveAgent(cluster.api.caCert, 1) };
  try {
    const binding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'bench-writer-edit', namespace: 'default' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: SECURITY_USER }],
    };
    const code = await postJson(admin, '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', binding);
    if (code !== 201) throw new Error(`creating the bench user's RoleBinding answered ${code}`);
  } finally {
    admin.agent.destroy();
  }
  return token;
}

async function securityRun(kind: 'ConfigMap' | 'Secret', on: boolean, round: number): Promise<Row> {
  return withClusterOf(
    securityOptions(on),
    SECURITY_CLIENTS,
    async (target) => {
      const send = (label: string) => (i: number) => postJson(target, PATHS[kind], sized(kind, label, i));
      // The token file is re-read on change: the first writes may still answer 401.
      const deadline = Date.now() + 10_000;
      while ((await send('probe')(0)) !== 201) if (Date.now() > deadline) throw new Error('the bench user never got a 201');
      const warm = await closedLoop(SECURITY_CLIENTS, WARMUP, send('warm'));
      if (warm.samples.some((s) => s.status !== 201)) throw new Error(`warm-up (${kind}, security ${on ? 'on' : 'off'}) got non-201 answers`);
      const { samples, seconds } = await closedLoop(SECURITY_CLIENTS, SECURITY_REQUESTS, send('obj'));
      return row(`${kind}s, security ${on ? 'on' : 'off'} (round ${round})`, samples, seconds);
    },
    editorToken,
  );
}

async function securityCost(log: (line: string) => void): Promise<void> {
  log('');
  log(`security cost: ${SECURITY_CLIENTS} clients, ${WARMUP} warm-up + ${SECURITY_REQUESTS} creates of ~512 B objects per run, off and on alternated × ${SECURITY_ROUNDS}, medians compared`);
  log('on = Node,RBAC for a user bound to edit + Secrets encrypted (aesgcm) + audit at Metadata; off = AlwaysAllow + identity + no audit');
  const rows: Row[] = [];
  const summary: string[] = [];
  for (const kind of ['ConfigMap', 'Secret'] as const) {
    const off: Row[] = [];
    const on: Row[] = [];
    for (let round = 1; round <= SECURITY_ROUNDS; round++) {
      for (const secure of round % 2 ? [false, true] : [true, false]) (secure ? on : off).push(await securityRun(kind, secure, round));
    }
    rows.push(...off, ...on);
    const median = (rs: Row[], f: (r: Row) => number) => {
      const v = rs.map(f).sort((a, b) => a - b);
      return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    };
    const rate = (rs: Row[]) => median(rs, (r) => r.perSecond);
    const cost = 1 - rate(on) / rate(off);
    summary.push(`| ${kind}s | ${Math.round(rate(off)).toLocaleString('en-US')} | ${Math.round(rate(on)).toLocaleString('en-US')} | ${(cost * 100).toFixed(1)} % | ${ms(median(off, (r) => r.p99))} | ${ms(median(on, (r) => r.p99))} |`);
  }
  log('');
  log('| run | requests | req/s | p50 ms | p99 ms | max ms | non-201 |');
  log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) log(`| ${r.label} | ${r.requests} | ${Math.round(r.perSecond).toLocaleString('en-US')} | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.max)} | ${r.errors} |`);
  log('');
  log('| objects | req/s off (median) | req/s on (median) | throughput cost | p99 ms off | p99 ms on |');
  log('|---|---:|---:|---:|---:|---:|');
  for (const line of summary) log(line);
}

export async function bench(log: (line: string) => void): Promise<void> {
  // API_CREATE_PARTS=security runs only the security comparison (default: load,security).
  const parts = (process.env.API_CREATE_PARTS ?? 'load,security').split(',');
  if (parts.includes('load')) await load(log);
  if (parts.includes('security')) await securityCost(log);
}

async function load(log: (line: string) => void): Promise<void> {
  log(`api create: POST ~300 B ConfigMaps to ${PATH}, HTTPS keep-alive, fresh SQLite data dir per run in ${tmpdir()}`);
  log(`closed loop: ${WARMUP} warm-up + ${REQUESTS} requests per level; open loop latency counted from each request's due time`);
  const rows: Row[] = [];
  for (const clients of CLIENTS) rows.push(await closedLevel(clients));
  rows.push(await openRun());
  log('');
  log('| run | requests | req/s | p50 ms | p99 ms | max ms | non-201 |');
  log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    log(`| ${r.label} | ${r.requests} | ${Math.round(r.perSecond).toLocaleString('en-US')} | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.max)} | ${r.errors} |`);
  }
  log('');
  log(`RSS at end: ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB`);
}

if (require.main === module) void bench((line) => console.log(line));
