import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredEvent } from '@logbook/events';
import { eventStoreContract } from '../testing/event-store.contract';
import { anEvent, eventually, events, streamName } from '../testing/fixtures';
import { SqliteEventStore } from './sqlite-event-store';

eventStoreContract('SqliteEventStore', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logbook-sqlite-'));
  const store = await SqliteEventStore.open(dir);
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SqliteEventStore live delivery', () => {
  it('delivers live events from memory without reading the file, and the same object to every subscriber', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logbook-sqlite-'));
    const store = await SqliteEventStore.open(dir);
    try {
      const seen: StoredEvent[][] = [[], []];
      const subs = seen.map((into) => store.subscribeAll(0, (e) => void into.push(e)));
      const readAll = jest.spyOn(store, 'readAll');
      await Promise.all(Array.from({ length: 20 }, () => store.append(streamName(), events(1), 'no_stream')));
      await eventually(() => expect(seen.map((s) => s.length)).toEqual([20, 20]));
      expect(readAll).not.toHaveBeenCalled();
      expect(seen[0].every((e, i) => e === seen[1][i])).toBe(true);
      expect(seen[0]).toEqual(await store.readAll());
      await Promise.all(subs.map((s) => s.close()));
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects only the append with a taken id when a batch has to be written again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logbook-sqlite-'));
    const store = await SqliteEventStore.open(dir);
    try {
      const [taken] = events(1);
      await store.append(streamName(), [taken], 'no_stream');
      const s = streamName();
      const results = await Promise.allSettled([
        store.append(s, events(1), 'no_stream'),
        store.append(s, [anEvent(), { ...taken }], 0),
        store.append(s, events(2), 0),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(results[2]).toMatchObject({ value: { firstPosition: 3, position: 4, revision: 2 } });
      expect((await store.readAll()).map((e) => e.position)).toEqual([1, 2, 3, 4]);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
