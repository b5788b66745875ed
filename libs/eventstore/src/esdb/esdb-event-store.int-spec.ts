import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { EventStoreUnavailable } from '../errors';
import { eventStoreContract } from '../testing/event-store.contract';
import { eventually, events, streamName } from '../testing/fixtures';
import { detectDockerEngine } from '@logbook/testing';
import { EsdbEventStore } from './esdb-event-store';

/** Pinned: the last EventStoreDB LTS before the KurrentDB rename (the v6 client's own target). */
const IMAGE = process.env.ESDB_IMAGE ?? 'docker.eventstore.com/eventstore/eventstore:24.10';

const engine = detectDockerEngine();
const describeWithEngine = engine.available ? describe : describe.skip;
if (!engine.available) {
  // Said out loud, locally and under CI=true alike: neither has a Docker engine (a docker CLI without a daemon).
  console.warn(
    `EsdbEventStore integration tests SKIPPED: no container engine for testcontainers (${engine.reason}). ` +
      `They start ${IMAGE}; run them where Docker runs.`,
  );
}

describeWithEngine(`EsdbEventStore on ${IMAGE}${engine.available ? '' : ` — skipped: ${engine.reason}`}`, () => {
  let container: StartedTestContainer;
  let connectionString: string;
  jest.setTimeout(120_000);

  beforeAll(async () => {
    container = await new GenericContainer(IMAGE)
      .withEnvironment({
        EVENTSTORE_INSECURE: 'true',
        EVENTSTORE_RUN_PROJECTIONS: 'None',
        EVENTSTORE_MEM_DB: 'true',
        EVENTSTORE_CLUSTER_SIZE: '1',
      })
      .withExposedPorts(2113)
      .withWaitStrategy(Wait.forHttp('/health/live', 2113).forStatusCode(204))
      .start();
    connectionString = `esdb://${container.getHost()}:${container.getMappedPort(2113)}?tls=false`;
  });

  afterAll(async () => {
    await container?.stop();
  });

  // A fresh, empty log per test: its own stream prefix in the shared database.
  const open = () => EsdbEventStore.connect({ connectionString, prefix: `t${randomUUID().slice(0, 8)}` }, { connectTimeoutMs: 30_000 });

  eventStoreContract('EsdbEventStore', async () => {
    const store = await open();
    return { store, cleanup: () => store.close() };
  });

  describe('two processes on one log (two API server replicas)', () => {
    it('number the log alike, see each other’s appends live, and let only one of two racing appends win', async () => {
      const prefix = `t${randomUUID().slice(0, 8)}`;
      const [a, b] = await Promise.all([0, 1].map(() => EsdbEventStore.connect({ connectionString, prefix })));
      try {
        const seenByB: number[] = [];
        const sub = b.subscribeAll(0, (e) => void seenByB.push(e.position));
        const s = streamName();
        await a.append(s, events(2), 'no_stream');
        await b.append(streamName(), events(1), 'no_stream');
        const race = await Promise.allSettled([a.append(s, events(1), 1), b.append(s, events(1), 1)]);
        expect(race.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        expect(race.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'ExpectedRevisionConflict', expected: 1, actual: 2 } });
        await eventually(() => expect(seenByB).toEqual([1, 2, 3, 4]), 10_000);
        expect((await a.readAll()).map((e) => [e.position, e.id])).toEqual((await b.readAll()).map((e) => [e.position, e.id]));
        expect(await b.readStream(s)).toEqual(await a.readStream(s));
        await sub.close();
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });

    it('a store opened later numbers an existing log as the writer did', async () => {
      const prefix = `t${randomUUID().slice(0, 8)}`;
      const writer = await EsdbEventStore.connect({ connectionString, prefix });
      try {
        for (let i = 0; i < 30; i++) await writer.append(streamName(), events(1 + (i % 3)), 'no_stream');
        await writer.saveSnapshot(10, [['Pod/ns/a', '{}']]);
        await writer.setCheckpoint('relay', 7);
        const reader = await EsdbEventStore.connect({ connectionString, prefix });
        try {
          expect(await reader.headPosition()).toBe(await writer.headPosition());
          expect(await reader.readAll({ after: 20, limit: 15 })).toEqual(await writer.readAll({ after: 20, limit: 15 }));
          expect(await reader.latestSnapshotPosition()).toBe(10);
          expect(await reader.getCheckpoint('relay')).toBe(7);
        } finally {
          await reader.close();
        }
      } finally {
        await writer.close();
      }
    });
  });
});

describe('EsdbEventStore without a server (no container engine needed)', () => {
  it('fails to connect with EventStoreUnavailable that says what to do, and leaves nothing running', async () => {
    const port = await closedPort();
    const errors: unknown[] = [];
    const failure = await EsdbEventStore.connect(`esdb://127.0.0.1:${port}?tls=false`, { connectTimeoutMs: 1500, onError: (e) => errors.push(e) }).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(EventStoreUnavailable);
    expect(String(failure)).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}.*is it running`));
    // What the follower met meanwhile, mapped to the port's error.
    expect(errors[0]).toBeInstanceOf(EventStoreUnavailable);
  });
});

/** A local port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
