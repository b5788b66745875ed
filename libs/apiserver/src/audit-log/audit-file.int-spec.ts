import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTmpDir } from '@logbook/testing';
import { AuditFile } from './audit-file';

describe('AuditFile (the audit log backend)', () => {
  const dir = makeTmpDir('logbook-audit-file-');
  afterAll(() => dir.remove());

  it('appends every line in order, across batches, and has them all in the file once closed', async () => {
    const path = join(dir.path, 'order', 'audit.log');
    const file = new AuditFile(path);
    for (let i = 0; i < 5_000; i++) file.write(JSON.stringify({ i, pad: 'x'.repeat(100) }));
    await file.close();
    const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).i);
    expect(lines).toEqual(Array.from({ length: 5_000 }, (_, i) => i));
  });

  it('appends to an existing file after a restart', async () => {
    const path = join(dir.path, 'restart.log');
    const first = new AuditFile(path);
    first.write('{"n":1}');
    await first.close();
    const second = new AuditFile(path);
    second.write('{"n":2}');
    await second.close();
    expect(readFileSync(path, 'utf8')).toBe('{"n":1}\n{"n":2}\n');
  });

  it('rotates past --audit-log-maxsize and keeps --audit-log-maxbackup old files', async () => {
    const sub = join(dir.path, 'rotate');
    const path = join(sub, 'audit.log');
    const file = new AuditFile(path, { maxSizeMB: 1, maxBackups: 2 });
    const line = JSON.stringify({ pad: 'y'.repeat(1000) });
    // Four batches of ~600 KB: each flush that would pass 1 MB starts a new file.
    for (let batch = 0; batch < 4; batch++) {
      for (let i = 0; i < 600; i++) file.write(line);
      await file.flush();
    }
    await file.close();
    const files = readdirSync(sub).sort();
    expect(files).toContain('audit.log');
    const backups = files.filter((f) => /^audit-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}\.log$/.test(f));
    expect(backups).toHaveLength(2);
    for (const f of files) expect(readFileSync(join(sub, f)).length).toBeLessThanOrEqual(1024 * 1024);
  });
});
