import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedEventBus } from './embedded/embedded-event-bus';
import { eventBusContract } from './testing/event-bus.contract';

eventBusContract('embedded (SQLite file)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'logbook-bus-'));
  return {
    connect: () => new EmbeddedEventBus({ dir }),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
