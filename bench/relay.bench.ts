import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaEventBus, type OutgoingMessage } from '@logbook/bus';
import { CURRENT_SCHEMA_VERSION, type NewEvent, type StoredEvent } from '@logbook/events';
import { SqliteEventStore } from '@logbook/eventstore';
import { RESOURCES, topicFor } from '@logbook/kube';
import { ClusterState } from '@logbook/projections';
import { Relay, relayMessage } from '@logbook/relay';

const EVENTS = 20_000;
const PODS = 400;
const BATCH = 1_000;

const meta = () => ({ time: new Date().toISOString(), actor: 'system:node:bench', schemaVersion: CURRENT_SCHEMA_VERSION });

/** A create for each pod, then status patches round-robin: what a busy node pool writes. */
async function fillStore(store: SqliteEventStore): Promise<void> {
  const revisions = new Array<number>(PODS).fill(-1);
  for (let written = 0; written < EVENTS; ) {
    const wave = Math.min(PODS, EVENTS - written);
    await Promise.all(
      Array.from({ length: wave }, async (_, i) => {
        const name = `web-${i}`;
        const event: NewEvent =
          revisions[i] < 0
            ? { id: randomUUID(), type: 'PodCreated', metadata: meta(), data: { object: { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid: randomUUID() }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] }, status: { phase: 'Pending' } } } }
            : { id: randomUUID(), type: 'PodStatusChanged', metadata: meta(), data: { patch: [{ op: 'replace', path: '/status/phase', value: written % 2 ? 'Running' : 'Pending' }] } };
        await store.append(`Pod/default/${name}`, [event], revisions[i] < 0 ? 'no_stream' : revisions[i]);
        revisions[i]++;
      }),
    );
    written += wave;
  }
}

/** The exact messages the relay produces, for the raw-producer baseline. */
async function relayPayloads(store: SqliteEventStore): Promise<{ topic: string; message: OutgoingMessage }[]> {
  const state = new ClusterState();
  const out: { topic: string; message: OutgoingMessage }[] = [];
  for (let after = 0; ; ) {
    const page: StoredEvent[] = await store.readAll({ after, limit: 5_000 });
    if (page.length === 0) return out;
    for (const e of page) out.push(relayMessage(e, state.apply(e).after)!);
    after = page[page.length - 1].position;
  }
}

/**
 * Relay throughput (log → Kafka, fold included) next to a raw kafkajs producer loop sending
 * the same messages with the same settings (idempotent, acks=all, batches of 1000) in the
 * same run. Needs a broker: KAFKA_BROKERS or 127.0.0.1:9092 (`npm run kafka:up`).
 */
export async function bench(log: (line: string) => void): Promise<void> {
  const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
  const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING, clientId: 'bench-raw' });
  const admin = kafka.admin();
  try {
    await admin.connect();
  } catch {
    log(`skipped: no Kafka broker at ${brokers.join(',')} (npm run kafka:up)`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'logbook-bench-relay-'));
  const store = await SqliteEventStore.open(dir);
  const bus = new KafkaEventBus({ brokers, clientId: 'bench-relay' });
  try {
    await fillStore(store);
    const payloads = await relayPayloads(store);
    const avg = Math.round(payloads.reduce((n, p) => n + Buffer.byteLength(p.message.value), 0) / payloads.length);
    log(`${EVENTS} events (${PODS} pods), average message ${avg} bytes`);

    // Raw producer first, on its own topics, so both start from a warm broker equally.
    const rawPrefix = `bench-raw-${randomUUID().slice(0, 8)}.`;
    for (const r of RESOURCES) await admin.createTopics({ topics: [{ topic: rawPrefix + topicFor(r), numPartitions: 6 }], waitForLeaders: true });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    let started = process.hrtime.bigint();
    for (let i = 0; i < payloads.length; i += BATCH) {
      const byTopic = new Map<string, OutgoingMessage[]>();
      for (const p of payloads.slice(i, i + BATCH)) byTopic.set(rawPrefix + p.topic, [...(byTopic.get(rawPrefix + p.topic) ?? []), p.message]);
      await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages: messages.map((m) => ({ key: m.key, value: m.value, headers: { ...m.headers } })) })),
      });
    }
    const rawSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    await producer.disconnect();
    const raw = EVENTS / rawSeconds;
    log(`raw kafkajs producer: ${Math.round(raw)} msg/s (${rawSeconds.toFixed(2)} s)`);

    started = process.hrtime.bigint();
    let first = 0n;
    const relay = new Relay({
      store, checkpoints: store, bus, name: 'relay:bench', topicPrefix: `bench-relay-${randomUUID().slice(0, 8)}.`, batchSize: BATCH,
      onPublished: () => void (first ||= process.hrtime.bigint()),
    });
    await relay.start();
    await relay.waitFor(EVENTS, 120_000);
    const ended = process.hrtime.bigint();
    await relay.stop();
    const total = Number(ended - started) / 1e9;
    const steady = Number(ended - first) / 1e9;
    // Steady state counts from the first acknowledged batch: start-up (11 topics, fold to the checkpoint) excluded.
    const relayRate = (EVENTS - BATCH) / steady;
    log(`relay with start-up: ${Math.round(EVENTS / total)} events/s (${total.toFixed(2)} s, of which start-up + first batch ${(total - steady).toFixed(2)} s)`);
    log(`relay steady state: ${Math.round(relayRate)} events/s`);
    log(`ratio relay/raw (steady state): ${(relayRate / raw).toFixed(2)} (target >= 0.5); with start-up: ${(EVENTS / total / raw).toFixed(2)}`);
  } finally {
    await bus.close();
    await admin.disconnect();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
