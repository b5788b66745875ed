import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One JSON file per record in a directory. Writes go through a temporary file and a rename, so an
 * agent killed mid-write leaves the previous record, never half of one.
 */
export class StateFiles<T> {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  write(key: string, value: T): void {
    const path = join(this.dir, `${key}.json`);
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(value, null, 2));
    renameSync(tmp, path);
  }

  remove(key: string): void {
    rmSync(join(this.dir, `${key}.json`), { force: true });
  }

  readAll(): T[] {
    const out: T[] = [];
    for (const file of readdirSync(this.dir)) {
      if (!file.endsWith('.json')) continue;
      try {
        out.push(JSON.parse(readFileSync(join(this.dir, file), 'utf8')) as T);
      } catch {
        // a foreign or corrupt file is not ours to interpret
      }
    }
    return out;
  }
}
