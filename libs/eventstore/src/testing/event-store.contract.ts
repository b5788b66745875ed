import type { StoredEvent } from '@logbook/events';
import { EventStoreClosed, ExpectedRevisionConflict } from '../errors';
import type { CheckpointStore, EventStore, SnapshotStore } from '../event-store.port';
import { anEvent, eventually, events, streamName } from './fixtures';

export type ContractStore = EventStore & Partial<SnapshotStore & CheckpointStore>;

/**
 * The one behaviour every EventStore adapter must show (STYLE.md "one contract test suite
 * per port"). Each adapter's spec passes a factory that opens a fresh, empty store.
 */
export function eventStoreContract(
  name: string,
  factory: () => Promise<{ store: ContractStore; cleanup(): Promise<void> }>,
): void {
  describe(`${name} (EventStore contract)`, () => {
    let store: ContractStore;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ store, cleanup } = await factory());
    });
    afterEach(async () => {
      await cleanup();
    });

    describe('appending', () => {
      it('gives global positions gapless from 1 and revisions per stream from 0', async () => {
        const [a, b] = [streamName(), streamName()];
        expect(await store.append(a, events(2), 'no_stream')).toEqual({ firstPosition: 1, position: 2, revision: 1 });
        expect(await store.append(b, events(1), 'no_stream')).toEqual({ firstPosition: 3, position: 3, revision: 0 });
        expect(await store.append(a, events(3), 1)).toEqual({ firstPosition: 4, position: 6, revision: 4 });
        const all = await store.readAll();
        expect(all.map((e) => e.position)).toEqual([1, 2, 3, 4, 5, 6]);
        expect(all.map((e) => [e.stream, e.revision])).toEqual([[a, 0], [a, 1], [b, 0], [a, 2], [a, 3], [a, 4]]);
        expect(await store.headPosition()).toBe(6);
      });

      it('reports 0 as the head of an empty log', async () => {
        expect(await store.headPosition()).toBe(0);
        expect(await store.readAll()).toEqual([]);
      });

      it('accepts any revision with "any", including for a new stream', async () => {
        const s = streamName();
        await store.append(s, events(1), 'any');
        expect((await store.append(s, events(1), 'any')).revision).toBe(1);
      });

      it.each([
        ['no_stream on an existing stream', 'no_stream' as const],
        ['a stale revision', 0],
        ['a revision from the future', 5],
      ])('rejects %s with ExpectedRevisionConflict and appends nothing', async (_, expected) => {
        const s = streamName();
        await store.append(s, events(2), 'no_stream');
        const actual = 1;
        const err = await store.append(s, events(3), expected).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ExpectedRevisionConflict);
        expect(err).toMatchObject({ code: 'ExpectedRevisionConflict', stream: s, expected, actual });
        expect(await store.headPosition()).toBe(2);
        expect(await store.readStream(s)).toHaveLength(2);
      });

      it('reports "no_stream" as the actual revision of a stream that does not exist', async () => {
        const s = streamName();
        await expect(store.append(s, events(1), 0)).rejects.toMatchObject({ expected: 0, actual: 'no_stream' });
        expect(await store.headPosition()).toBe(0);
      });

      it('rejects an append without events', async () => {
        await expect(store.append(streamName(), [], 'any')).rejects.toThrow();
        expect(await store.headPosition()).toBe(0);
      });

      it('rejects an event whose id is already in the log, appending nothing of that append', async () => {
        const s = streamName();
        const [first] = events(1);
        await store.append(s, [first], 'no_stream');
        await expect(store.append(s, [anEvent(), { ...first }], 0)).rejects.toMatchObject({ code: 'DuplicateEventId', id: first.id });
        await expect(store.append(streamName(), [first], 'no_stream')).rejects.toMatchObject({ code: 'DuplicateEventId' });
        expect(await store.headPosition()).toBe(1);
      });

      it('rejects an event without a valid time', async () => {
        await expect(store.append(streamName(), [anEvent({ metadata: { time: 'yesterday' } })], 'any')).rejects.toThrow(/time/);
        expect(await store.headPosition()).toBe(0);
      });

      it('rejects only the failing appends among concurrent ones', async () => {
        const [s, t] = [streamName(), streamName()];
        await store.append(s, events(1), 'no_stream');
        const [taken] = await store.readStream(s);
        const outcomes = await Promise.allSettled([
          store.append(t, events(1), 'no_stream'),
          store.append(s, events(1), 0),
          store.append(s, events(1), 0),
          store.append(streamName(), [anEvent({ id: taken.id })], 'no_stream'),
          store.append(t, events(2), 0),
        ]);
        expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value.revision : (o.reason as { code: string }).code))).toEqual([
          0, 1, 'ExpectedRevisionConflict', 'DuplicateEventId', 2,
        ]);
        expect((await store.readAll()).map((e) => e.position)).toEqual([1, 2, 3, 4, 5]);
      });

      it('gives many concurrent appends to different streams distinct gapless positions', async () => {
        const n = 200;
        const results = await Promise.all(Array.from({ length: n }, () => store.append(streamName(), events(1), 'no_stream')));
        expect(results.map((r) => r.position).sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
        expect(await store.headPosition()).toBe(n);
      });

      it('lets exactly one of many concurrent appends with the same expected revision succeed', async () => {
        const s = streamName();
        await store.append(s, events(1), 'no_stream');
        const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => store.append(s, events(2), 0)));
        const won = outcomes.filter((o) => o.status === 'fulfilled');
        const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
        expect(won).toHaveLength(1);
        for (const o of lost) expect(o.reason).toMatchObject({ code: 'ExpectedRevisionConflict', expected: 0, actual: 2 });
        expect((await store.readStream(s)).map((e) => e.revision)).toEqual([0, 1, 2]);
      });
    });

    describe('reading', () => {
      it('returns an empty array for a stream that never existed', async () => {
        expect(await store.readStream(streamName())).toEqual([]);
      });

      it('reads a stream from a revision', async () => {
        const s = streamName();
        await store.append(s, events(3), 'no_stream');
        await store.append(streamName(), events(1), 'no_stream');
        expect((await store.readStream(s, 1)).map((e) => e.revision)).toEqual([1, 2]);
        expect(await store.readStream(s, 3)).toEqual([]);
      });

      it('pages through the log with after, to and limit', async () => {
        await store.append(streamName(), events(10), 'no_stream');
        const positions = async (o: { after?: number; to?: number; limit?: number }) =>
          (await store.readAll(o)).map((e) => e.position);
        expect(await positions({ after: 3, limit: 4 })).toEqual([4, 5, 6, 7]);
        expect(await positions({ after: 3, to: 5 })).toEqual([4, 5]);
        expect(await positions({ to: 2 })).toEqual([1, 2]);
        expect(await positions({ after: 10 })).toEqual([]);
        const seen: number[] = [];
        for (let page = await store.readAll({ limit: 3 }); page.length > 0; page = await store.readAll({ after: seen[seen.length - 1], limit: 3 })) {
          seen.push(...page.map((e) => e.position));
        }
        expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      });

      it('round-trips metadata and JSON data', async () => {
        const s = streamName();
        const data = { text: 'héllo ✓ "quoted"\n', n: 1.5, big: 2 ** 40, nil: null, list: [1, 'two', { three: [] }], nested: { deep: { ok: true } } };
        const e = anEvent({
          type: 'DeploymentScaled',
          data,
          metadata: { actor: 'system:scheduler', causationId: 'cause-1', correlationId: 'corr-1', schemaVersion: 1, time: '2024-05-01T10:00:00.123Z' },
        });
        await store.append(s, [e], 'no_stream');
        const [stored] = await store.readStream(s);
        expect(stored).toEqual({ ...e, position: 1, stream: s, revision: 0 });
        expect((await store.readAll())[0]).toEqual(stored);
      });

      it('leaves optional metadata absent when it was not given', async () => {
        const s = streamName();
        await store.append(s, [anEvent()], 'no_stream');
        const [stored] = await store.readStream(s);
        expect(stored.metadata.causationId).toBeUndefined();
        expect(stored.metadata.correlationId).toBeUndefined();
      });
    });

    describe('time index', () => {
      const at = (s: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, s)).toISOString();

      it('maps a time to the last position at or before it, and a position to its time', async () => {
        const s = streamName();
        for (const sec of [10, 20, 20, 30]) await store.append(s, [anEvent({ metadata: { time: at(sec) } })], 'any');
        expect(await store.positionAt(new Date(at(5)))).toBe(0);
        expect(await store.positionAt(new Date(at(10)))).toBe(1);
        expect(await store.positionAt(new Date(at(25)))).toBe(3);
        expect(await store.positionAt(new Date(at(99)))).toBe(4);
        expect(await store.timeAt(3)).toBe(at(20));
        expect(await store.timeAt(5)).toBeUndefined();
        expect(await store.timeAt(0)).toBeUndefined();
      });
    });

    describe('subscribeAll', () => {
      it('delivers stored events, events appended while catching up, then live ones: in order, once each', async () => {
        const s = streamName();
        await store.append(s, events(5), 'no_stream');
        const seen: number[] = [];
        let running = 0;
        let maxRunning = 0;
        const sub = store.subscribeAll(0, async (e: StoredEvent) => {
          running += 1;
          maxRunning = Math.max(maxRunning, running);
          // Appending from inside the handler is "while catching up" for the stored events.
          if (e.position === 2) await store.append(streamName(), events(3), 'no_stream');
          await new Promise((resolve) => setImmediate(resolve));
          seen.push(e.position);
          running -= 1;
        });
        try {
          await eventually(() => expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8]));
          await Promise.all(Array.from({ length: 10 }, () => store.append(streamName(), events(2), 'no_stream')));
          await eventually(() => expect(seen).toEqual(Array.from({ length: 28 }, (_, i) => i + 1)));
          expect(maxRunning).toBe(1);
        } finally {
          await sub.close();
        }
      });

      it('starts after the given position', async () => {
        await store.append(streamName(), events(4), 'no_stream');
        const seen: number[] = [];
        const sub = store.subscribeAll(2, (e) => void seen.push(e.position));
        try {
          await eventually(() => expect(seen).toEqual([3, 4]));
        } finally {
          await sub.close();
        }
      });

      it('delivers nothing after close resolves', async () => {
        const seen: number[] = [];
        const sub = store.subscribeAll(0, (e) => void seen.push(e.position));
        await store.append(streamName(), events(1), 'no_stream');
        await eventually(() => expect(seen).toEqual([1]));
        await sub.close();
        await store.append(streamName(), events(3), 'no_stream');
        const other: number[] = [];
        const probe = store.subscribeAll(0, (e) => void other.push(e.position));
        await eventually(() => expect(other).toHaveLength(4));
        await probe.close();
        expect(seen).toEqual([1]);
      });

      it('can be closed from inside its handler', async () => {
        await store.append(streamName(), events(5), 'no_stream');
        const seen: number[] = [];
        const sub = store.subscribeAll(0, async (e) => {
          seen.push(e.position);
          if (e.position === 2) await sub.close();
        });
        await eventually(() => expect(seen).toEqual([1, 2]));
        await sub.close();
        expect(seen).toEqual([1, 2]);
      });
    });

    describe('history reads', () => {
      it('reads newest first, filtered by actor, stream prefix, types and position bounds', async () => {
        const [a, b] = [streamName('Deployment/ns1'), streamName('Pod/ns1')];
        await store.append(a, [anEvent({ type: 'DeploymentCreated', metadata: { actor: 'alice' } })], 'no_stream'); // 1
        await store.append(b, [anEvent({ type: 'PodCreated', metadata: { actor: 'system:rs' } })], 'no_stream'); // 2
        await store.append(a, [anEvent({ type: 'DeploymentUpdated', metadata: { actor: 'bob' } })], 0); // 3
        await store.append(b, [anEvent({ type: 'PodBound', metadata: { actor: 'system:scheduler' } })], 0); // 4
        await store.append(a, [anEvent({ type: 'ObjectDeleted', metadata: { actor: 'bob' } })], 1); // 5
        const positions = (es: StoredEvent[]) => es.map((e) => e.position);
        expect(positions(await store.readBackward())).toEqual([5, 4, 3, 2, 1]);
        expect(positions(await store.readBackward({ actor: 'bob' }))).toEqual([5, 3]);
        expect(positions(await store.readBackward({ streamPrefix: 'Deployment/' }))).toEqual([5, 3, 1]);
        expect(positions(await store.readBackward({ streamPrefix: 'Pod/ns1/' }))).toEqual([4, 2]);
        expect(positions(await store.readBackward({ types: ['PodBound', 'DeploymentCreated'] }))).toEqual([4, 1]);
        expect(positions(await store.readBackward({ types: [] }))).toEqual([]);
        expect(positions(await store.readBackward({ before: 5, after: 1, limit: 2 }))).toEqual([4, 3]);
        expect(positions(await store.readBackward({ actor: 'bob', before: 5 }))).toEqual([3]);
        expect((await store.readBackward({ actor: 'alice' }))[0]).toMatchObject({ stream: a, revision: 0, type: 'DeploymentCreated' });
      });

      it('reads one event by id', async () => {
        const s = streamName();
        const [e1, e2] = events(2);
        await store.append(s, [e1, e2], 'no_stream');
        expect(await store.readEvent(e2.id)).toMatchObject({ id: e2.id, position: 2, stream: s, revision: 1 });
        expect(await store.readEvent('no-such-id')).toBeUndefined();
      });

      it('finds the Created event of an object by its uid, also after later events', async () => {
        const s = streamName('Pod/ns');
        const created = (uid: string) => anEvent({ type: 'PodCreated', data: { object: { metadata: { name: 'p', uid } } } });
        await store.append(s, [created('uid-1')], 'no_stream');
        await store.append(s, [anEvent({ type: 'ObjectDeleted', data: {} })], 0);
        await store.append(s, [created('uid-2')], 1);
        expect(await store.findCreation('uid-1')).toMatchObject({ position: 1, stream: s, type: 'PodCreated' });
        expect(await store.findCreation('uid-2')).toMatchObject({ position: 3, stream: s });
        expect(await store.findCreation('uid-3')).toBeUndefined();
      });
    });

    describe('snapshots', () => {
      it('finds the newest snapshot, or the newest at or before a position', async () => {
        if (!store.saveSnapshot || !store.latestSnapshotPosition) return;
        expect(await store.latestSnapshotPosition()).toBeUndefined();
        for (const p of [10, 30, 20]) await store.saveSnapshot(p, [[`Pod/ns/at-${p}`, `{"at":${p}}`]]);
        expect(await store.latestSnapshotPosition()).toBe(30);
        expect(await store.latestSnapshotPosition(29)).toBe(20);
        expect(await store.latestSnapshotPosition(10)).toBe(10);
        expect(await store.latestSnapshotPosition(9)).toBeUndefined();
        expect(await store.readSnapshot!(20)).toEqual([['Pod/ns/at-20', '{"at":20}']]);
      });

      it('reads a snapshot whole or by scope (a stream and the streams under it), in stream order', async () => {
        if (!store.saveSnapshot || !store.readSnapshot) return;
        const streams = ['Pod/b/x', 'Node/n1', 'Pod/a/web', 'Pod/a/web-1', 'Pod/a-b/web', 'PodTemplate/a/t', 'Node/n10'];
        await store.saveSnapshot(7, streams.map((s) => [s, JSON.stringify({ s })]));
        await store.saveSnapshot(8, [['Pod/a/web', '{"later":true}']]);
        const read = async (scope?: string) => (await store.readSnapshot!(7, scope)).map(([s]) => s);
        expect(await read()).toEqual([...streams].sort());
        expect(await read('Pod')).toEqual(['Pod/a-b/web', 'Pod/a/web', 'Pod/a/web-1', 'Pod/b/x']);
        expect(await read('Pod/a')).toEqual(['Pod/a/web', 'Pod/a/web-1']);
        expect(await read('Pod/a/web')).toEqual(['Pod/a/web']);
        expect(await read('Node/n1')).toEqual(['Node/n1']);
        expect(await read('Service')).toEqual([]);
        expect(await store.readSnapshot!(7, 'Pod/a/web')).toEqual([['Pod/a/web', '{"s":"Pod/a/web"}']]);
        expect(await store.readSnapshot!(9)).toEqual([]);
      });
    });

    describe('checkpoints', () => {
      it('stores named positions', async () => {
        if (!store.getCheckpoint || !store.setCheckpoint) return;
        expect(await store.getCheckpoint('relay')).toBeUndefined();
        await store.setCheckpoint('relay', 5);
        await store.setCheckpoint('relay', 7);
        await store.setCheckpoint('bus/pods/0', 2);
        expect(await store.getCheckpoint('relay')).toBe(7);
        expect(await store.getCheckpoint('bus/pods/0')).toBe(2);
      });
    });

    describe('closing', () => {
      it('rejects appends once closed', async () => {
        await store.close();
        await expect(store.append(streamName(), events(1), 'any')).rejects.toBeInstanceOf(EventStoreClosed);
      });
    });
  });
}
