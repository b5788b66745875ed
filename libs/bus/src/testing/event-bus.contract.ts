import type { BusConsumer, BusMessage, ConsumerOptions, EventBus, MessageHandler, OutgoingMessage, PartitionLag } from '../event-bus.port';
import { POSITION_HEADER } from '../event-bus.port';
import { dedupeByPosition } from '../dedupe-by-position';
import { deferred, eventually, randomName } from './eventually';

/** One cluster for one test: every bus `connect()` returns sees the same topics, groups and offsets. */
export interface BusFixture {
  connect(): EventBus;
  dispose(): Promise<void>;
}

const label = (m: BusMessage) => m.value.toString('utf8');
const msg = (key: string, value: string, headers?: Record<string, string>): OutgoingMessage => ({ key, value, headers });

/**
 * The EventBus contract (STYLE.md "One contract test suite per port"); each adapter's spec
 * passes a fixture factory. Timeouts are generous for a real broker's rebalances.
 */
export function eventBusContract(name: string, makeFixture: () => Promise<BusFixture> | BusFixture): void {
  describe(`EventBus contract: ${name}`, () => {
    jest.setTimeout(60_000);
    let fixture: BusFixture;
    let buses: EventBus[];
    const connect = () => {
      const bus = fixture.connect();
      buses.push(bus);
      return bus;
    };
    const started: BusConsumer[] = [];
    const consume = async (bus: EventBus, options: ConsumerOptions, handler: MessageHandler) => {
      const consumer = await bus.consumer(options);
      started.push(consumer);
      await consumer.run(handler);
      return consumer;
    };

    beforeEach(async () => {
      fixture = await makeFixture();
      buses = [];
    });

    afterEach(async () => {
      await Promise.allSettled(started.splice(0).map((c) => c.stop()));
      await Promise.allSettled(buses.map((b) => b.close()));
      await fixture.dispose();
    });

    test('delivers every message of a key in the order it was produced', async () => {
      const bus = connect();
      const topic = randomName('order');
      await bus.createTopic(topic, 3);
      await bus.createTopic(topic, 3); // idempotent
      const producer = await bus.producer();
      const sent: OutgoingMessage[] = [];
      for (let round = 0; round < 5; round++) {
        const batch = Array.from({ length: 60 }, (_, i) => msg(`k${i % 10}`, `${i % 10}:${round * 6 + Math.floor(i / 10)}`));
        sent.push(...batch);
        await producer.send(topic, batch);
      }
      const seen = new Map<string, string[]>();
      await consume(bus, { groupId: randomName('g'), topics: [topic], fromBeginning: true }, async (m) => {
        seen.set(m.key!, [...(seen.get(m.key!) ?? []), label(m)]);
      });
      await eventually(() => expect([...seen.values()].flat()).toHaveLength(sent.length), { what: 'all messages' });
      for (let k = 0; k < 10; k++) {
        expect(seen.get(`k${k}`)).toEqual(sent.filter((s) => s.key === `k${k}`).map((s) => s.value));
      }
      await producer.close();
    });

    test('redelivers a message whose handler failed, keeping the order of its key', async () => {
      const bus = connect();
      const topic = randomName('retry');
      await bus.createTopic(topic, 1);
      const producer = await bus.producer();
      await producer.send(topic, ['a', 'b', 'c'].map((v) => msg('k', v)));
      const seen: string[] = [];
      let failed = false;
      await consume(bus, { groupId: randomName('g'), topics: [topic], fromBeginning: true }, async (m) => {
        if (label(m) === 'b' && !failed) {
          failed = true;
          throw new Error('transient');
        }
        seen.push(label(m));
      });
      await eventually(() => expect(seen).toEqual(['a', 'b', 'c']));
    });

    test('a graceful stop commits what was processed; a restarted member resumes after it', async () => {
      const topic = randomName('resume');
      const groupId = randomName('g');
      const first = connect();
      await first.createTopic(topic, 2);
      const producer = await first.producer();
      const all = Array.from({ length: 200 }, (_, i) => msg(`k${i % 7}`, `m${i}`));
      await producer.send(topic, all);
      const before: string[] = [];
      const reached = deferred();
      const a = await consume(first, { groupId, topics: [topic], fromBeginning: true }, async (m) => {
        before.push(label(m));
        if (before.length === 60) reached.resolve();
      });
      await reached.promise;
      await a.stop();
      await first.close();

      const after: string[] = [];
      const second = connect();
      await consume(second, { groupId, topics: [topic], fromBeginning: true }, async (m) => {
        after.push(label(m));
      });
      await eventually(() => expect(new Set([...before, ...after]).size).toBe(all.length), { what: 'nothing lost' });
      // Everything the first member processed was committed on stop: none of it comes again.
      expect(after.filter((v) => before.includes(v))).toEqual([]);
      expect(before.length).toBeLessThan(all.length);
    });

    test('two members split six partitions; when one dies the other takes over everything not committed', async () => {
      const bus = connect();
      const topic = randomName('split');
      const groupId = randomName('g');
      await bus.createTopic(topic, 6);
      const byA: string[] = [];
      const byB: string[] = [];
      const stuck = deferred<string>();
      const options = { groupId, topics: [topic], fromBeginning: true, sessionTimeoutMs: 6_000 };
      const a = await consume(bus, options, async (m) => {
        byA.push(label(m));
      });
      const other = connect();
      let bCount = 0;
      const b = await consume(other, options, async (m) => {
        if (++bCount === 5) {
          stuck.resolve(label(m));
          return new Promise<void>(() => undefined); // in flight forever: the member "hangs"
        }
        byB.push(label(m));
      });
      await eventually(
        () => {
          const [na, nb] = [a.assignment().length, b.assignment().length];
          expect(na).toBeGreaterThan(0);
          expect(nb).toBeGreaterThan(0);
          expect(na + nb).toBe(6);
        },
        { what: 'partitions split between the members' },
      );
      const producer = await bus.producer();
      const all = Array.from({ length: 600 }, (_, i) => msg(`key-${i % 60}`, `m${i}`));
      await producer.send(topic, all);
      const inFlight = await stuck.promise;

      await b.abort();
      await eventually(() => expect(a.assignment()).toHaveLength(6), { what: 'takeover of all partitions' });
      await eventually(() => expect(new Set([...byA, ...byB]).size).toBe(all.length), { what: 'nothing lost' });
      expect(byA).toContain(inFlight);
      expect(byB).not.toContain(inFlight);
    });

    test('seeks to the beginning, to an offset and to a timestamp', async () => {
      const bus = connect();
      const topic = randomName('seek');
      await bus.createTopic(topic, 1);
      const producer = await bus.producer();
      await producer.send(topic, Array.from({ length: 10 }, (_, i) => msg('k', `a${i}`)));
      const seen: string[] = [];
      const c = await consume(bus, { groupId: randomName('g'), topics: [topic], fromBeginning: true }, async (m) => {
        seen.push(label(m));
      });
      await eventually(() => expect(seen).toHaveLength(10));

      await c.seek(topic, 0, 'earliest');
      await eventually(() => expect(seen).toHaveLength(20));
      expect(seen.slice(10)).toEqual(seen.slice(0, 10));

      await c.seek(topic, 0, '7');
      await eventually(() => expect(seen.slice(20)).toEqual(['a7', 'a8', 'a9']));

      const lastA = Date.now();
      await eventually(() => Date.now() > lastA + 5);
      const boundary = Date.now();
      await producer.send(topic, Array.from({ length: 3 }, (_, i) => msg('k', `b${i}`)));
      await eventually(() => expect(seen.slice(23)).toEqual(['b0', 'b1', 'b2']));
      await c.seekToTimestamp(topic, boundary);
      await eventually(() => expect(seen.slice(26)).toEqual(['b0', 'b1', 'b2']));
    });

    test('pause holds a topic back until resume', async () => {
      const bus = connect();
      const [held, flowing] = [randomName('held'), randomName('flowing')];
      await bus.createTopic(held, 1);
      await bus.createTopic(flowing, 1);
      const seen: string[] = [];
      const c = await consume(bus, { groupId: randomName('g'), topics: [held, flowing], fromBeginning: true }, async (m) => {
        seen.push(`${m.topic === held ? 'held' : 'flowing'}:${label(m)}`);
      });
      c.pause([held]);
      const producer = await bus.producer();
      await producer.send(held, [msg('k', '1'), msg('k', '2')]);
      await producer.send(flowing, [msg('k', '1'), msg('k', '2')]);
      await eventually(() => expect(seen).toEqual(['flowing:1', 'flowing:2']));
      c.resume([held]);
      await eventually(() => expect(seen.slice(2)).toEqual(['held:1', 'held:2']));
    });

    test('lag reports committed offset, end offset and lag per partition of a group', async () => {
      const bus = connect();
      const topic = randomName('lag');
      const groupId = randomName('g');
      await bus.createTopic(topic, 2);
      const producer = await bus.producer();
      await producer.send(topic, Array.from({ length: 200 }, (_, i) => msg(`k${i % 9}`, `m${i}`)));
      const sum = (partitions: PartitionLag[], of: (p: PartitionLag) => number) => partitions.reduce((n, p) => n + of(p), 0);

      // A group that never committed: the end offsets, but no committed offset and no lag yet.
      const before = await bus.lag(groupId, [topic]);
      expect(before.map((p) => [p.topic, p.partition, p.committed, p.lag])).toEqual([[topic, 0, undefined, undefined], [topic, 1, undefined, undefined]]);
      expect(sum(before, (p) => Number(p.end))).toBe(200);

      const seen: string[] = [];
      const reached = deferred();
      const first = await consume(bus, { groupId, topics: [topic], fromBeginning: true }, async (m) => {
        seen.push(label(m));
        if (seen.length === 60) reached.resolve();
      });
      await reached.promise;
      await first.stop();
      // What the stopped member processed is committed, and the rest is the lag.
      const midway = await bus.lag(groupId, [topic]);
      expect(sum(midway, (p) => Number(p.committed ?? 0))).toBe(seen.length);
      expect(sum(midway, (p) => p.lag ?? Number(p.end))).toBe(200 - seen.length);
      expect(midway.every((p) => p.committed === undefined || p.lag === Number(p.end) - Number(p.committed))).toBe(true);

      await consume(connect(), { groupId, topics: [topic], fromBeginning: true }, async (m) => void seen.push(label(m)));
      await eventually(async () => {
        const after = await bus.lag(groupId, [topic]);
        expect(after.map((p) => p.lag)).toEqual([0, 0]);
        expect(after.map((p) => p.committed)).toEqual(after.map((p) => p.end));
      }, { what: 'lag back to 0' });
      expect(new Set(seen).size).toBe(200);
      await producer.close();
    });

    test('dedupeByPosition drops a republished message by its log position', async () => {
      const bus = connect();
      const topic = randomName('dedupe');
      await bus.createTopic(topic, 2);
      const producer = await bus.producer();
      const at = (key: string, position: number) => msg(key, `${key}@${position}`, { [POSITION_HEADER]: String(position) });
      // A relay that crashed after publishing 3..5 for x publishes them again on restart.
      await producer.send(topic, [at('x', 1), at('y', 2), at('x', 3), at('x', 4), at('x', 5)]);
      await producer.send(topic, [at('x', 3), at('x', 4), at('x', 5), at('y', 6), at('x', 7)]);
      const seen: string[] = [];
      const dropped: string[] = [];
      const handler = dedupeByPosition(async (m) => void seen.push(label(m)), { onDuplicate: (m) => dropped.push(label(m)) });
      await consume(bus, { groupId: randomName('g'), topics: [topic], fromBeginning: true }, handler);
      await eventually(() => expect(seen.length + dropped.length).toBe(10));
      expect(seen.filter((s) => s.startsWith('x'))).toEqual(['x@1', 'x@3', 'x@4', 'x@5', 'x@7']);
      expect(seen.filter((s) => s.startsWith('y'))).toEqual(['y@2', 'y@6']);
      expect(dropped.sort()).toEqual(['x@3', 'x@4', 'x@5']);
    });
  });
}
