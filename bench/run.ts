import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `npm run bench [name…]`: runs every bench/*.bench.ts (compiled to dist/bench) in turn and prints
 * its figures. Benchmarks are not tests: nothing here fails on a number; figures go to
 * docs/benchmarks.md.
 */
async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const files = readdirSync(__dirname).filter((f) => f.endsWith('.bench.js')).sort();
  for (const file of files) {
    const name = file.replace(/\.bench\.js$/, '');
    if (only.length && !only.includes(name)) continue;
    const log = (line: string) => process.stdout.write(`[${name}] ${line}\n`);
    log('start');
    const mod = await import(join(__dirname, file));
    await mod.bench(log);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench failed: ${(err as Error).stack}\n`);
    process.exit(1);
  },
);
