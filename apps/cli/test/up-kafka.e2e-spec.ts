import { request, Agent } from 'node:https';
import { dedupeByPosition, type BusMessage } from '@logbook/bus';
import { parseRelayed } from '@logbook/relay';
import { eventually, makeTmpDir, randomName, startLogbook, type LogbookProcess } from '@logbook/testing';
import { describeWithKafka, testBrokers, testKafkaBus } from '../../../libs/bus/src/testing/kafka-for-tests';

const WRITES = 10_000;

/** `logbook up --bus kafka://…`: every API write reaches its kind's topic on the real broker. */
describeWithKafka('logbook up with Kafka as its bus', () => {
  const dir = makeTmpDir();
  let cluster: LogbookProcess;
  const bus = testKafkaBus('up-kafka-e2e');

  beforeAll(async () => {
    cluster = await startLogbook(dir.path, ['--bus', `kafka://${testBrokers().join(',')}`]);
  }, 60_000);
  afterAll(async () => {
    await bus.close();
    await cluster?.stop();
    dir.remove();
  });

  it(`publishes ${WRITES} API writes to logbook.configmaps in per-key order, none missing, exactly once after dedupe`, async () => {
    const ns = randomName('relay');
    const agent = new Agent({ keepAlive: true, maxSockets: 16, rejectUnauthorized: false });
    const post = (path: string, body: unknown) =>
      new Promise<number>((resolve, reject) => {
        const req = request(new URL(path, cluster.url), { method: 'POST', agent, headers: { Authorization: `Bearer ${cluster.adminToken}`, 'Content-Type': 'application/json' } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end(JSON.stringify(body));
      });
    expect(await post('/api/v1/namespaces', { metadata: { name: ns } })).toBe(201);

    // 200 config maps, each created and then updated 49 times: 10,000 writes, 50 per key.
    const objects = 200;
    const perObject = WRITES / objects;
    const patch = (name: string, v: number) =>
      new Promise<number>((resolve, reject) => {
        const req = request(new URL(`/api/v1/namespaces/${ns}/configmaps/${name}`, cluster.url), { method: 'PATCH', agent, headers: { Authorization: `Bearer ${cluster.adminToken}`, 'Content-Type': 'application/merge-patch+json' } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end(JSON.stringify({ data: { v: String(v) } }));
      });
    const writers = Array.from({ length: 16 }, async (_, w) => {
      for (let o = w; o < objects; o += 16) {
        const name = `cm-${o}`;
        expect(await post(`/api/v1/namespaces/${ns}/configmaps`, { metadata: { name }, data: { v: '0' } })).toBe(201);
        for (let v = 1; v < perObject; v++) expect(await patch(name, v)).toBe(200);
      }
    });
    await Promise.all(writers);
    agent.destroy();

    const seen = new Map<string, number[]>();
    let raw = 0;
    const consumer = await bus.consumer({ groupId: randomName('verify'), topics: ['logbook.configmaps'], fromBeginning: true });
    await consumer.run(
      dedupeByPosition(async (m: BusMessage) => {
        raw++;
        // Only the test's own maps: the controller manager publishes kube-root-ca.crt in every namespace too.
        if (!m.key?.startsWith(`${ns}/cm-`)) return;
        const relayed = parseRelayed(m.value);
        const list = seen.get(m.key) ?? [];
        list.push(Number(relayed.object?.data?.v));
        seen.set(m.key, list);
      }),
    );
    try {
      await eventually(() => [...seen.values()].reduce((n, l) => n + l.length, 0) >= WRITES, { timeoutMs: 90_000, intervalMs: 250, what: `${WRITES} relayed events` });
    } finally {
      await consumer.stop();
    }
    expect(seen.size).toBe(objects);
    for (const values of seen.values()) expect(values).toEqual(Array.from({ length: perObject }, (_, i) => i));
    expect(raw).toBeGreaterThanOrEqual(WRITES);
  }, 180_000);
});
