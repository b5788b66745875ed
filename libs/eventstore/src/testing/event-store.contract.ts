import type { EventStore } from '../event-store.port';
import type { CheckpointStore, SnapshotStore } from '../event-store.port';

export function eventStoreContract(
  name: string,
  factory: () => Promise<{ store: EventStore & Partial<SnapshotStore & CheckpointStore>; cleanup(): Promise<void> }>,
): void {
  describe(`${name} (EventStore contract)`, () => {
    it('appends and reads back', async () => {
      const { store, cleanup } = await factory();
      try {
        const r = await store.append('s', [{ id: 'a', type: 'T', data: { x: 1 }, metadata: { time: new Date().toISOString(), actor: 'me', schemaVersion: 1 } }], 'no_stream');
        expect(r).toEqual({ firstPosition: 1, position: 1, revision: 0 });
        expect((await store.readStream('s'))[0].data).toEqual({ x: 1 });
      } finally {
        await cleanup();
      }
    });
  });
}
