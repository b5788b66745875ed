import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEventStore } from './registry';
import { SqliteEventStore } from './sqlite/sqlite-event-store';
import { events } from './testing/fixtures';

describe('createEventStore (sqlite)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'logbook-registry-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('opens <dir>/events.db for sqlite:<dir>', async () => {
    const store = await createEventStore(`sqlite:${join(dir, 'data')}`);
    expect(store).toBeInstanceOf(SqliteEventStore);
    await store.append('s', events(1), 'no_stream');
    await store.close();
    expect(existsSync(join(dir, 'data', 'events.db'))).toBe(true);
  });
});
