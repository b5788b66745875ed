import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Kafka, logLevel } from 'kafkajs';
import { eventually, kubectl, makeTmpDir, randomName, runLogbook, startLogbook, type LogbookProcess } from '@logbook/testing';
import { describeWithKafka, testBrokers } from '../../../libs/bus/src/testing/kafka-for-tests';

const logbook = (args: string[]) => runLogbook(args);

const b64 = (s: string) => Buffer.from(s).toString('base64');
const config = (...keys: string[]) =>
  `apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [secrets]\n    providers:\n      - aesgcm:\n          keys:\n${keys.map((k) => `            - { name: ${k.split('=')[0]}, secret: "${k.split('=')[1]}" }\n`).join('')}      - identity: {}\n`;

/** Mount points of memory file systems (the node agent's secret and token volumes): nothing there reaches a disk. */
function memoryMounts(): Set<string> {
  const lines = readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  return new Set(lines.filter((l) => / - tmpfs /.test(l)).map((l) => l.split(' ')[4].replace(/\\040/g, ' ')));
}

/** Every file under `dir` on a disk, whatever its kind (log, WAL, snapshots, key store, node state). */
function filesUnder(dir: string, skip: Set<string> = memoryMounts()): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) return [];
    if (st.isDirectory()) return skip.has(path) ? [] : filesUnder(path, skip);
    return st.isFile() ? [path] : [];
  });
}

/** The files of `dir` whose bytes hold any of `needles`. */
function filesHolding(dir: string, needles: string[]): string[] {
  return filesUnder(dir).filter((f) => {
    let bytes: Buffer;
    try {
      bytes = readFileSync(f);
    } catch {
      return false; // a socket or a file removed meanwhile
    }
    return needles.some((n) => bytes.includes(Buffer.from(n)));
  });
}

/** Secrets are encrypted wherever they are persisted; the API still shows them; shredding forgets them. */
describe('Secrets at rest', () => {
  const dir = makeTmpDir();
  const outside = makeTmpDir('secrets-config-');
  const cache = makeTmpDir('kubectl-cache-');
  const configFile = join(outside.path, 'encryption.yaml');
  const key1 = `key1=${randomBytes(32).toString('base64')}`;
  let cluster: LogbookProcess;
  const ns = randomName('sec');
  const literal = `lit-${randomBytes(12).toString('hex')}`;
  const applied = `app-${randomBytes(12).toString('hex')}`;
  const secretValues = [literal, b64(literal), applied, b64(applied)];
  const k = (args: string[], input?: string) => kubectl(cluster.kubeconfig, args, { cacheDir: cache.path, input });

  async function start(): Promise<void> {
    cluster = await startLogbook(dir.path, ['--encryption-provider-config', configFile]);
  }

  beforeAll(async () => {
    writeFileSync(configFile, config(key1));
    await start();
    expect((await k(['create', 'namespace', ns])).code).toBe(0);
    const created = await k(['create', 'secret', 'generic', 'literal', '-n', ns, `--from-literal=password=${literal}`]);
    expect(created.stderr).toBe('');
    const apply = await k(['apply', '-f', '-'], `apiVersion: v1\nkind: Secret\nmetadata: { name: applied, namespace: ${ns} }\nstringData:\n  token: ${applied}\n`);
    expect(apply.stderr).toBe('');
  }, 90_000);
  afterAll(async () => {
    await cluster?.stop();
    dir.remove();
    outside.remove();
    cache.remove();
  });

  const valueOf = async (name: string, key: string) => {
    const r = await k(['get', 'secret', name, '-n', ns, '-o', `jsonpath={.data.${key}}`]);
    expect(r.stderr).toBe('');
    return Buffer.from(r.stdout, 'base64').toString('utf8');
  };

  it('kubectl reads the values, and no byte of the data directory holds them, plain or base64', async () => {
    expect(await valueOf('literal', 'password')).toBe(literal);
    expect(await valueOf('applied', 'token')).toBe(applied);
    // kubectl apply's last-applied annotation comes back opened too (apply computes its patch from it).
    const yaml = (await k(['get', 'secret', 'applied', '-n', ns, '-o', 'yaml'])).stdout;
    expect(yaml).toContain('last-applied-configuration');
    expect(yaml).toContain(applied);
    // stringData is folded into data on write, as kube does: never stored.
    expect((await k(['get', 'secret', 'applied', '-n', ns, '-o', 'jsonpath={.stringData}'])).stdout).toBe('');
    expect(filesHolding(dir.path, secretValues)).toEqual([]);
    // A re-apply with the same value is a no-op: the writer compares values in clear.
    const before = (await k(['get', 'secret', 'applied', '-n', ns, '-o', 'jsonpath={.metadata.resourceVersion}'])).stdout;
    await k(['apply', '-f', '-'], `apiVersion: v1\nkind: Secret\nmetadata: { name: applied, namespace: ${ns} }\nstringData:\n  token: ${applied}\n`);
    expect((await k(['get', 'secret', 'applied', '-n', ns, '-o', 'jsonpath={.metadata.resourceVersion}'])).stdout).toBe(before);
  });

  it('history shows values to whoever may get the secret', async () => {
    const h = await logbook(['history', 'secret/literal', '-n', ns, '-o', 'json', '--kubeconfig', cluster.kubeconfig]);
    expect(h.stderr).toBe('');
    expect(h.stdout).toContain(b64(literal));
  });

  it('rotate re-wraps the data keys under a new key; after a restart with only that key the secrets still read', async () => {
    const key2 = `key2=${randomBytes(32).toString('base64')}`;
    writeFileSync(configFile, config(key2, key1));
    const r = await logbook(['secrets', 'rotate', '--kubeconfig', cluster.kubeconfig]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^2 data keys re-wrapped with aesgcm\/key2/);
    await cluster.stop();
    writeFileSync(configFile, config(key2));
    await start();
    expect(await valueOf('literal', 'password')).toBe(literal);
    expect(await valueOf('applied', 'token')).toBe(applied);
  }, 90_000);

  it('shred: the key goes, history and reads show [shredded], and the state hash survives a restart', async () => {
    const uid = (await k(['get', 'secret', 'literal', '-n', ns, '-o', 'jsonpath={.metadata.uid}'])).stdout;
    const keysHeld = () => {
      const db = new DatabaseSync(join(dir.path, 'keys.db'), { readOnly: true });
      try {
        return (db.prepare('SELECT uid FROM data_keys').all() as { uid: string }[]).map((r) => r.uid);
      } finally {
        db.close();
      }
    };
    expect(keysHeld()).toContain(uid);
    const shred = await logbook(['shred', 'secret/literal', '-n', ns, '--kubeconfig', cluster.kubeconfig]);
    expect(shred.stderr).toBe('');
    expect(shred.stdout).toContain(`uid ${uid}`);
    expect(keysHeld()).not.toContain(uid);

    const history = await logbook(['history', 'secret/literal', '-n', ns, '-o', 'json', '--kubeconfig', cluster.kubeconfig]);
    expect(history.stdout).toContain('[shredded]');
    expect(history.stdout).toContain('SecretShredded');
    expect(history.stdout).not.toContain(b64(literal));
    expect(await valueOf('literal', 'password')).toBe('[shredded]');
    // The other Secret keeps its key and its value.
    expect(await valueOf('applied', 'token')).toBe(applied);

    const hash = async (at?: number) => JSON.parse((await logbook(['hash', '-o', 'json', '--kubeconfig', cluster.kubeconfig, ...(at ? ['--at', String(at)] : [])])).stdout);
    const before = await hash();
    // The live state after a restart is a replay (snapshot plus log); the start may append its own
    // writes (leases, policy), so the replayed state is compared at the same position.
    await cluster.stop();
    await start();
    expect((await hash(before.position)).hash).toBe(before.hash);
    expect(await valueOf('literal', 'password')).toBe('[shredded]');
    expect(filesHolding(dir.path, secretValues)).toEqual([]);
  }, 90_000);

  it('deleting a secret destroys its key', async () => {
    const uid = (await k(['get', 'secret', 'applied', '-n', ns, '-o', 'jsonpath={.metadata.uid}'])).stdout;
    expect((await k(['delete', 'secret', 'applied', '-n', ns])).code).toBe(0);
    const db = new DatabaseSync(join(dir.path, 'keys.db'), { readOnly: true });
    try {
      expect(db.prepare('SELECT uid FROM data_keys WHERE uid = ?').all(uid)).toEqual([]);
    } finally {
      db.close();
    }
    const h = await logbook(['history', 'secret/applied', '-n', ns, '-o', 'json', '--kubeconfig', cluster.kubeconfig]);
    expect(h.stdout).toContain('[shredded]');
    expect(h.stdout).not.toContain(b64(applied));
  });
});

/** With Kafka as the bus, the relay publishes Secrets sealed: no topic holds a value in either form. */
describeWithKafka('Secrets on Kafka', () => {
  const dir = makeTmpDir();
  const cache = makeTmpDir('kubectl-cache-');
  const prefix = `${randomName('sec')}.`;
  let cluster: LogbookProcess;
  const kafka = new Kafka({ brokers: testBrokers(), clientId: 'secrets-at-rest-e2e', logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: randomName('verify') });

  beforeAll(async () => {
    cluster = await startLogbook(dir.path, ['--bus', `kafka://${testBrokers().join(',')}`, '--topic-prefix', prefix]);
  }, 60_000);
  afterAll(async () => {
    await consumer.disconnect().catch(() => undefined);
    await cluster?.stop();
    dir.remove();
    cache.remove();
  });

  it('no message of any topic holds the value, plain or base64', async () => {
    const ns = randomName('sec');
    const value = `kafka-${randomBytes(12).toString('hex')}`;
    const k = (args: string[], input?: string) => kubectl(cluster.kubeconfig, args, { cacheDir: cache.path, input });
    expect((await k(['create', 'namespace', ns])).code).toBe(0);
    expect((await k(['create', 'secret', 'generic', 'one', '-n', ns, `--from-literal=v=${value}`])).stderr).toBe('');
    expect((await k(['apply', '-f', '-'], `apiVersion: v1\nkind: Secret\nmetadata: { name: two, namespace: ${ns} }\nstringData:\n  v: ${value}\n`)).stderr).toBe('');

    const messages: { topic: string; key: string; value: Buffer }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topics: [new RegExp(`^${prefix.replace(/[.]/g, '\\.')}`)], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ topic, message }) => void messages.push({ topic, key: String(message.key ?? ''), value: message.value ?? Buffer.alloc(0) }) });
    await eventually(() => messages.filter((m) => m.topic === `${prefix}logbook.secrets` && m.key.startsWith(`${ns}/`)).length >= 2, { timeoutMs: 60_000, intervalMs: 250, what: 'both secrets relayed' });
    expect(new Set(messages.map((m) => m.topic)).size).toBeGreaterThan(1);
    // The Secrets' messages are there, carrying sealed values (not merely missing them).
    expect(messages.some((m) => m.topic === `${prefix}logbook.secrets` && m.value.includes(Buffer.from('logbook:enc:aesgcm:v1:')))).toBe(true);
    const holding = messages.filter((m) => [value, b64(value)].some((n) => m.value.includes(Buffer.from(n)) || m.key.includes(n)));
    expect(holding.map((m) => m.topic)).toEqual([]);
    expect(Buffer.from((await k(['get', 'secret', 'two', '-n', ns, '-o', 'jsonpath={.data.v}'])).stdout, 'base64').toString()).toBe(value);
  }, 90_000);
});

/**
 * A node agent's pod that takes a Secret as env leaves no value on the node's disk either (the
 * process runtime the suite runs has no mounts; secret volumes are on tmpfs, see the volume
 * manager's specs).
 */
describe('Secrets on a node', () => {
  const dir = makeTmpDir();
  const cache = makeTmpDir('kubectl-cache-');
  let cluster: LogbookProcess;
  const ns = randomName('secnode');
  const value = `node-${randomBytes(12).toString('hex')}`;
  const k = (args: string[], input?: string) => kubectl(cluster.kubeconfig, args, { cacheDir: cache.path, input });

  beforeAll(async () => {
    cluster = await startLogbook(dir.path, ['--node-agent', '--node-agent-port', '0']);
  }, 90_000);
  afterAll(async () => {
    await cluster?.stop();
    dir.remove();
    cache.remove();
  });

  it('the container gets the value as env; no byte of the data directory outside memory mounts holds it', async () => {
    expect((await k(['create', 'namespace', ns])).code).toBe(0);
    expect((await k(['create', 'secret', 'generic', 'creds', '-n', ns, `--from-literal=password=${value}`])).code).toBe(0);
    const pod = `apiVersion: v1
kind: Pod
metadata: { name: uses-secret, namespace: ${ns} }
spec:
  containers:
    - name: main
      image: busybox
      command: [sh, -c, 'while true; do sleep 1; done']
      env: [{ name: PASSWORD, valueFrom: { secretKeyRef: { name: creds, key: password } } }]
`;
    const applied = await k(['apply', '-f', '-'], pod);
    expect(applied.stderr).toBe('');
    await eventually(async () => (await k(['get', 'pod', 'uses-secret', '-n', ns, '-o', 'jsonpath={.status.phase}'])).stdout === 'Running', { timeoutMs: 60_000, what: 'the pod running' });
    const printed = await k(['exec', 'uses-secret', '-n', ns, '--', 'sh', '-c', 'printf %s "$PASSWORD"']);
    expect(printed.stdout).toBe(value);
    expect(filesHolding(dir.path, [value, b64(value)])).toEqual([]);
  }, 120_000);
});
