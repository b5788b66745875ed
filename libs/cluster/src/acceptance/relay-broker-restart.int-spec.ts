import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createServer } from 'node:net';
import pino from 'pino';
import { Kafka } from 'kafkajs';
import { KafkaEventBus } from '@logbook/bus';
import { HttpClusterClient } from '@logbook/client';
import { objectKey, resourceByKind, topicFor, type KubeObject } from '@logbook/kube';
import { eventually, makeTmpDir, randomName } from '@logbook/testing';
import { describeWithKafka, TEST_KAFKA_TIMINGS } from '../../../bus/src/testing/kafka-for-tests';
import { consumeAllTopics } from '../../../relay/src/testing/consume-all';
import { spawnTs, type TsChild } from '../../../relay/src/testing/spawn-ts';
import { startStandaloneApiServer, type StandaloneApiServer } from '../api-server';
import { HOLLOW_NODES_IDENTITY, ensureUserToken } from '../distributed-tokens';

/**
 * Acceptance (issue 7): restart the relay and the broker during a write burst; after recovery
 * every component has seen every event and no acknowledged write is missing from any topic.
 *
 * Separate OS processes on a broker of the test's own (never the shared one at 9092): the API
 * server (SQLite log) in this process, the relay, the scheduler and a hollow node agent as
 * their own processes. The burst is paced (it is load, not a clock): each phase starts after a
 * number of acknowledged writes, and every wait is an eventually() with a deadline.
 */
const root = join(__dirname, '../../../..');
const HOLLOW_NODES = 4;

interface Acked {
  readonly topic: string;
  readonly key: string;
  readonly position: number;
  readonly kind: 'Pod' | 'ConfigMap';
  readonly name: string;
}

describeWithKafka('relay and broker restart during a write burst', () => {
  jest.setTimeout(240_000);
  const tmp = makeTmpDir('logbook-restart-');
  const children: TsChild[] = [];
  let port = 0;
  let api: StandaloneApiServer | undefined;

  afterAll(async () => {
    for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await api?.close();
    if (port) await kafkaSh('down', port, tmp.path).catch(() => undefined);
    tmp.remove();
  });

  it('loses no acknowledged write, and every component catches up', async () => {
    port = await freePortPair();
    await kafkaSh('up', port, tmp.path);
    const busUrl = `kafka://127.0.0.1:${port}`;
    const prefix = `${randomName('rb')}.`;
    const dataDir = join(tmp.path, 'apiserver');
    api = await startStandaloneApiServer({ dataDir, port: 0, logger: pino({ level: 'warn' }) });
    const tokenFile = join(dataDir, 'tokens.csv');
    const client = new HttpClusterClient({ server: api.url, token: api.adminToken, ca: api.api.caCert });
    const componentEnv = (identity: string) => ({
      LOGBOOK_BUS: busUrl,
      LOGBOOK_API: api!.url,
      LOGBOOK_CA_FILE: join(dataDir, 'pki', 'ca.crt'),
      LOGBOOK_TOKEN: ensureUserToken(tokenFile, { user: identity, groups: identity.startsWith('system:node:') ? ['system:nodes'] : [] }),
      LOGBOOK_TOPIC_PREFIX: prefix,
      LOGBOOK_HEALTH_PORT: '0',
      LOG_LEVEL: 'warn',
    });
    const relayEnv = { LOGBOOK_STORE: `sqlite:${dataDir}`, LOGBOOK_BUS: busUrl, LOGBOOK_TOPIC_PREFIX: prefix, LOGBOOK_RELAY_POLL_MS: '50', LOGBOOK_HEALTH_PORT: '0' };
    const stopping = new Set<TsChild>();
    const died: string[] = [];
    const start = (name: string, entry: string, env: Record<string, string>, args: string[] = []) => {
      const child = spawnTs(entry, env, args);
      children.push(child);
      void child.exited().then((code) => {
        if (!stopping.has(child)) died.push(`${name} exited (${code ?? child.child.signalCode}): ${child.stderr.join('').slice(-2000)}${child.lines.slice(-5).join('\n')}`);
      });
      return child;
    };
    const stop = async (child: TsChild, signal: NodeJS.Signals) => {
      stopping.add(child);
      child.child.kill(signal);
      return child.exited();
    };

    let relay = start('relay', 'apps/relay/src/main.ts', relayEnv);
    start('scheduler', 'apps/scheduler/src/main.ts', componentEnv('system:kube-scheduler'));
    start('hollow nodes', 'apps/node-agent/src/main.ts', componentEnv(HOLLOW_NODES_IDENTITY.user), [
      '--hollow', '--nodes', String(HOLLOW_NODES), '--node-name', 'hollow', '--port', '0', '--heartbeat', '2000',
    ]);
    await eventually(async () => {
      if (died.length > 0) throw new Error(died.join('\n'));
      const nodes = (await client.listObjects('Node')).items.filter((n) => n.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True'));
      return nodes.length === HOLLOW_NODES;
    }, { timeoutMs: 60_000, what: 'hollow nodes Ready' });

    // The burst: paced writers, every acknowledged write recorded with its position.
    const acked: Acked[] = [];
    const failures: string[] = [];
    let writing = true;
    let podsCreated = 0;
    const writer = async (w: number) => {
      for (let i = 0; writing; i++) {
        const name = `w${w}-${i}`;
        // A pod every fifth write, up to what the hollow nodes hold (110 each), so every pod can be bound.
        const pod = i % 5 === 0 && podsCreated++ < 300;
        try {
          const object = await client.create(pod ? podObject(name) : configMap(name, i), {});
          const kind = pod ? 'Pod' : 'ConfigMap';
          acked.push({ kind, name, topic: prefix + topicFor(resourceByKind(kind)!), key: objectKey('default', name), position: Number(object.metadata.resourceVersion) });
        } catch (error) {
          failures.push(`${name}: ${String(error)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const writers = Promise.all([0, 1, 2].map(writer));
    const ackedAtLeast = (n: number, what: string) =>
      eventually(() => {
        if (died.length > 0) throw new Error(died.join('\n'));
        return acked.length >= n;
      }, { timeoutMs: 60_000, what });
    const checkpoint = () => api!.store.getCheckpoint(`relay:${busUrl}`);

    try {
      await ackedAtLeast(60, '60 acknowledged writes');
      await eventually(async () => ((await checkpoint()) ?? 0) > 0, { timeoutMs: 30_000, what: 'the relay publishing' });
      expect(await stop(relay, 'SIGKILL')).toBeNull();
      await ackedAtLeast(120, 'writes while the relay is down');
      relay = start('relay (restarted)', 'apps/relay/src/main.ts', relayEnv);
      // The restarted relay publishes again (what the first one left unacknowledged included)
      // before the broker goes: a relay started while Kafka is down exits, for its supervisor to restart.
      const atRestart = (await checkpoint()) ?? 0;
      await eventually(async () => {
        if (died.length > 0) throw new Error(died.join('\n'));
        return ((await checkpoint()) ?? 0) > atRestart;
      }, { timeoutMs: 60_000, what: 'the restarted relay publishing' });
      await ackedAtLeast(180, 'writes after the relay restart');
      await kafkaSh('down', port, tmp.path);
      const whileDown = acked.length;
      await ackedAtLeast(whileDown + 60, 'writes while the broker is down');
      await kafkaSh('up', port, tmp.path);
      const afterRecovery = acked.length;
      await ackedAtLeast(afterRecovery + 80, 'writes after the broker is back');
    } finally {
      writing = false;
      await writers;
    }
    expect(failures).toEqual([]);
    const head = await api.store.headPosition();

    // The relay has published the whole log; the restarted relay stops cleanly.
    await eventually(async () => {
      if (died.length > 0) throw new Error(died.join('\n'));
      const [at, now] = [await checkpoint(), await api!.store.headPosition()];
      if (at !== now) throw new Error(`checkpoint ${at}, head ${now}; the relay's last lines:\n${relay.stderr.join('').slice(-1000)}${relay.lines.slice(-5).join('\n')}`);
      return true;
    }, { timeoutMs: 90_000, what: 'relay checkpoint at the head' });
    expect(died).toEqual([]);

    // Every acknowledged write is in its topic exactly once after dedupe by position.
    const bus = new KafkaEventBus({ brokers: [`127.0.0.1:${port}`], clientId: 'restart-check', ...TEST_KAFKA_TIMINGS });
    try {
      const consumed = await consumeAllTopics(bus, prefix);
      // The log keeps growing (node heartbeats), so wait for positions, not for a count.
      const positions = () => [...consumed.deduped.values()].flatMap((byKey) => [...byKey.values()].flat()).filter((p) => p <= head);
      await eventually(() => new Set(positions()).size === head, { timeoutMs: 60_000, what: `every position up to ${head} consumed` });
      await consumed.stop();
      for (const a of acked) {
        const copies = (consumed.deduped.get(a.topic)?.get(a.key) ?? []).filter((p) => p === a.position).length;
        expect({ write: a.name, position: a.position, copies }).toEqual({ write: a.name, position: a.position, copies: 1 });
      }
      expect(positions().sort((x, y) => x - y)).toEqual(Array.from({ length: head }, (_, i) => i + 1));
    } finally {
      await bus.close();
    }

    // The components processed the later writes: every pod, also those created after the broker came back, is bound.
    const pods = acked.filter((a) => a.kind === 'Pod');
    await eventually(async () => {
      const listed = (await client.listObjects('Pod', { namespace: 'default' })).items;
      expect(listed.length).toBe(pods.length);
      expect(listed.filter((p) => !p.spec?.nodeName).map((p) => p.metadata.name)).toEqual([]);
      return true;
    }, { timeoutMs: 90_000, what: `all ${pods.length} pods bound` });

    // And their consumer groups have committed up to the end of every partition they read.
    await eventually(async () => {
      const lag = await consumerLag(port, prefix);
      expect([...lag.groups].some((g) => g.endsWith('logbook-scheduler'))).toBe(true);
      expect(lag.behind).toEqual([]);
      return true;
    }, { timeoutMs: 90_000, intervalMs: 1000, what: 'consumer lag 0' });

    expect(await stop(relay, 'SIGTERM')).toBe(0);
    client.close();
    console.log(`relay/broker restart: ${acked.length} acknowledged writes (${pods.length} pods), log head ${head}, all in their topics once, lag 0`);
  });
});

const configMap = (name: string, i: number): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { i: String(i) } });

const podObject = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels: { app: 'burst' } },
  spec: { containers: [{ name: 'app', image: 'busybox', resources: { requests: { cpu: '10m', memory: '8Mi' } } }] },
});

/** `infra/kafka/kafka.sh up|down` for the test's own broker: its port, its data directory. */
function kafkaSh(command: 'up' | 'down', port: number, dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const out: string[] = [];
    const child = spawn('bash', [join(root, 'infra/kafka/kafka.sh'), command], {
      cwd: root,
      env: { ...process.env, KAFKA_PORT: String(port), KAFKA_DATA_DIR: join(dir, 'kafka') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => out.push(d.toString()));
    child.stderr.on('data', (d: Buffer) => out.push(d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`kafka.sh ${command} on ${port} exited ${code}:\n${out.join('')}`))));
  });
}

/** A free port whose successor (the broker's controller port) is free too. */
async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const first = await listenOn(0);
    if (first === undefined) continue;
    if ((await listenOn(first + 1)) !== undefined) return first;
  }
  throw new Error('no two adjacent free ports found');
}

function listenOn(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const bound = (server.address() as { port: number }).port;
      server.close(() => resolve(bound));
    });
  });
}

/** Every partition where a group of this test committed less than the end offset. */
async function consumerLag(port: number, prefix: string): Promise<{ groups: Set<string>; behind: string[] }> {
  const admin = new Kafka({ brokers: [`127.0.0.1:${port}`], clientId: 'restart-lag', logLevel: 0 }).admin();
  await admin.connect();
  try {
    const groups = new Set((await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix)));
    const behind: string[] = [];
    const ends = new Map<string, Map<number, number>>();
    for (const groupId of groups) {
      for (const t of await admin.fetchOffsets({ groupId })) {
        if (!ends.has(t.topic)) ends.set(t.topic, new Map((await admin.fetchTopicOffsets(t.topic)).map((p) => [p.partition, Number(p.high)])));
        for (const p of t.partitions) {
          const end = ends.get(t.topic)!.get(p.partition) ?? 0;
          const committed = Math.max(0, Number(p.offset));
          if (committed < end) behind.push(`${groupId} ${t.topic}[${p.partition}] ${committed}/${end}`);
        }
      }
    }
    return { groups, behind };
  } finally {
    await admin.disconnect();
  }
}
