import { type EventBus, POSITION_HEADER } from '@logbook/bus';
import { SqliteEventStore } from '@logbook/eventstore';
import type { StoredEvent } from '@logbook/events';
import { objectKey, parseStreamName, resourceByKind, topicFor } from '@logbook/kube';
import { replayAll } from '@logbook/projections';
import { makeTmpDir, randomName } from '@logbook/testing';
import { eventually } from '../../bus/src/testing/eventually';
import { describeWithKafka, testBrokers, testKafkaBus } from '../../bus/src/testing/kafka-for-tests';
import { Relay } from './relay';
import { parseRelayed } from './relay-message';
import { writeApiEvents } from './testing/api-writes';
import { consumeAllTopics } from './testing/consume-all';
import { spawnTs, type TsChild } from './testing/spawn-ts';

const EVENTS = 10_000;

/** Topic → key → positions, in log order, as the store says they must appear. */
async function expectedOrder(store: SqliteEventStore, prefix: string): Promise<Map<string, Map<string, number[]>>> {
  const out = new Map<string, Map<string, number[]>>();
  for (let after = 0; ; ) {
    const page: StoredEvent[] = await store.readAll({ after, limit: 5000 });
    if (page.length === 0) return out;
    for (const e of page) {
      const { kind, namespace, name } = parseStreamName(e.stream);
      const topic = prefix + topicFor(resourceByKind(kind)!);
      const byKey = out.get(topic) ?? new Map<string, number[]>();
      out.set(topic, byKey);
      const key = objectKey(namespace, name);
      byKey.set(key, [...(byKey.get(key) ?? []), e.position]);
    }
    after = page[page.length - 1].position;
  }
}

describeWithKafka('Relay on a real broker', () => {
  jest.setTimeout(120_000);
  let tmp: ReturnType<typeof makeTmpDir>;
  let store: SqliteEventStore;
  let bus: EventBus;
  let prefix: string;
  const children: TsChild[] = [];
  const relays: Relay[] = [];
  const relayOn = (options: Omit<ConstructorParameters<typeof Relay>[0], 'store' | 'checkpoints' | 'bus' | 'name' | 'topicPrefix'>) => {
    const relay = new Relay({ store, checkpoints: store, bus, name: 'relay:test', topicPrefix: prefix, ...options });
    relays.push(relay);
    return relay;
  };

  beforeEach(async () => {
    tmp = makeTmpDir('logbook-relay-');
    store = await SqliteEventStore.open(tmp.path);
    bus = testKafkaBus();
    prefix = `${randomName('t')}.`;
  });

  afterEach(async () => {
    for (const c of children.splice(0)) if (c.child.exitCode === null) c.child.kill('SIGKILL');
    for (const r of relays.splice(0)) await r.stop();
    await bus.close();
    await store.close();
    tmp.remove();
  });

  test('10,000 API writes: every event in its kind topic, in per-key order, exactly once after dedupe', async () => {
    await writeApiEvents(store, EVENTS);
    const relay = relayOn({ snapshots: store });
    await relay.start();
    await relay.waitFor(await store.headPosition(), 60_000);
    await relay.stop();
    expect(await store.getCheckpoint('relay:test')).toBe(EVENTS);

    const consumed = await consumeAllTopics(bus, prefix);
    await eventually(() => expect(consumed.count()).toBe(EVENTS), { timeoutMs: 60_000 });
    await consumed.stop();
    expect(consumed.deduped).toEqual(await expectedOrder(store, prefix));

    // Event-carried state: the last message of each object holds the object as the fold has it.
    const state = await replayAll(store);
    const last = new Map(consumed.raw.map((m) => [`${m.topic}|${m.key}`, m]));
    for (const m of last.values()) {
      const { envelope, object } = parseRelayed(m.value);
      expect(m.headers[POSITION_HEADER]).toBe(String(envelope.position));
      expect(object ?? undefined).toEqual(state.getByStream(envelope.stream));
    }
  });

  test('a relay killed with SIGKILL mid-stream and restarted loses nothing', async () => {
    await writeApiEvents(store, EVENTS);
    const head = await store.headPosition();
    const env = {
      LOGBOOK_STORE: `sqlite:${tmp.path}`,
      LOGBOOK_BUS: `kafka://${testBrokers().join(',')}`,
      LOGBOOK_TOPIC_PREFIX: prefix,
      LOGBOOK_RELAY_BATCH: '50',
    };
    const name = `relay:${env.LOGBOOK_BUS}`;
    const first = spawnTs('apps/relay/src/main.ts', env);
    children.push(first);
    const atKill = await eventually(
      async () => {
        if (first.child.exitCode !== null) throw new Error(`the relay exited with ${first.child.exitCode}: ${first.stderr.join('')}${first.lines.slice(-5).join('\n')}`);
        const at = (await store.getCheckpoint(name)) ?? 0;
        return at >= 2_000 ? at : false;
      },
      { timeoutMs: 60_000, intervalMs: 2, what: 'relay mid-stream' },
    ).catch((err: Error) => {
      // Say what the relay itself said: a silent timeout here is undiagnosable.
      throw new Error(`${err.message}\nrelay stdout (tail): ${first.lines.slice(-10).join('\n')}\nrelay stderr: ${first.stderr.join('')}`);
    });
    first.child.kill('SIGKILL');
    expect(await first.exited()).toBeNull();
    expect(atKill).toBeLessThan(head);

    const second = spawnTs('apps/relay/src/main.ts', env);
    children.push(second);
    await eventually(async () => expect(await store.getCheckpoint(name)).toBe(head), { timeoutMs: 60_000 });
    second.child.kill('SIGTERM');
    expect(await second.exited()).toBe(0);
    expect(second.lines.some((l) => l.includes('relay running'))).toBe(true);

    const consumed = await consumeAllTopics(bus, prefix);
    await eventually(() => expect(consumed.count()).toBe(EVENTS), { timeoutMs: 60_000 });
    await consumed.stop();
    expect(consumed.deduped).toEqual(await expectedOrder(store, prefix));
    expect(consumed.raw.length).toBeGreaterThanOrEqual(EVENTS);
  });

  test('two members of a group on a 6-partition topic share it; when one is killed the other takes over what it had not committed', async () => {
    await writeApiEvents(store, 3_000, 200);
    const relay = relayOn({ partitions: 6 });
    await relay.start();
    await relay.waitFor(await store.headPosition(), 60_000);
    await relay.stop();
    const topic = `${prefix}logbook.pods`;
    const groupId = randomName('members');

    const b = spawnTs('libs/relay/src/testing/group-member.child.ts', { KAFKA_BROKERS: testBrokers().join(','), TOPIC: topic, GROUP_ID: groupId, DELAY_MS: '10' });
    children.push(b);
    const bLines = () => b.lines.map((l) => JSON.parse(l) as { assigned?: number[]; partition?: number; offset?: number });
    await eventually(() => expect(bLines().some((l) => l.partition !== undefined)).toBe(true), { timeoutMs: 30_000 });

    const byA: { partition: number; offset: number }[] = [];
    const a = await bus.consumer({ groupId, topics: [topic], fromBeginning: true, sessionTimeoutMs: 6_000 });
    await a.run(async (m) => void byA.push({ partition: m.partition, offset: Number(m.offset) }));
    await eventually(() => {
      const assigned = bLines().filter((l) => l.assigned).pop()?.assigned ?? [];
      expect(assigned.length).toBeGreaterThan(0);
      expect(assigned.length + a.assignment().length).toBe(6);
    }, { timeoutMs: 30_000 });
    const bPartitions = bLines().filter((l) => l.assigned).pop()!.assigned!;
    const processedByBAfterSplit = () => bLines().filter((l) => l.partition !== undefined && bPartitions.includes(l.partition)).length;
    const before = processedByBAfterSplit();
    await eventually(() => expect(processedByBAfterSplit()).toBeGreaterThan(before + 20), { timeoutMs: 30_000 });
    expect(byA.length).toBeGreaterThan(0);

    b.child.kill('SIGKILL');
    await b.exited();
    const admin = await adminOffsets(groupId, topic);

    const ends = await endOffsets(topic);
    await eventually(() => expect(a.assignment()).toHaveLength(6), { timeoutMs: 30_000 });
    await eventually(() => {
      for (const p of bPartitions) {
        const seen = new Set(byA.filter((x) => x.partition === p).map((x) => x.offset));
        for (let o = admin.get(p) ?? 0; o < ends.get(p)!; o++) expect(seen.has(o)).toBe(true);
      }
    }, { timeoutMs: 60_000 });
    // Nothing lost overall: every offset of every partition was processed by one of the two.
    const all = new Set([...byA, ...bLines().filter((l) => l.partition !== undefined)].map((x) => `${x.partition}:${x.offset}`));
    for (const [p, end] of ends) for (let o = 0; o < end; o++) expect(all.has(`${p}:${o}`)).toBe(true);
    await a.stop();
  });
});

async function adminOffsets(groupId: string, topic: string): Promise<Map<number, number>> {
  const { Kafka } = await import('kafkajs');
  const admin = new Kafka({ brokers: testBrokers(), logLevel: 0 }).admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map(t.partitions.map((p) => [p.partition, Math.max(0, Number(p.offset))]));
  } finally {
    await admin.disconnect();
  }
}

async function endOffsets(topic: string): Promise<Map<number, number>> {
  const { Kafka } = await import('kafkajs');
  const admin = new Kafka({ brokers: testBrokers(), logLevel: 0 }).admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
  } finally {
    await admin.disconnect();
  }
}
