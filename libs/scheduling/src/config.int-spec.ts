import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSchedulerConfig } from './config';

describe('loadSchedulerConfig', () => {
  it('loads a file and names it in errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sched-config-'));
    try {
      const path = join(dir, 'scheduler.yaml');
      writeFileSync(path, 'filters: [NodeReady]\n');
      expect(loadSchedulerConfig(path).filters).toEqual(['NodeReady']);
      writeFileSync(path, 'filters: [Nope]\n');
      expect(() => loadSchedulerConfig(path)).toThrow(`${path}: unknown filter plugin "Nope"`);
      expect(() => loadSchedulerConfig(join(dir, 'missing.yaml'))).toThrow(/cannot read scheduler config/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
