import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ComponentApp } from './distributed-plan';

/**
 * The checkout this code runs from: the first ancestor holding infra/kafka/kafka.sh (the same
 * walk works from libs/cluster/src under ts-jest and from dist/libs/cluster/src when built).
 */
export function checkoutRoot(from = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'infra', 'kafka', 'kafka.sh')) && existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`cannot find the Logbook checkout (infra/kafka/kafka.sh) above ${from}`);
  }
}

/** The built entry point of an app; distributed mode runs each component from dist/. */
export function appEntry(app: ComponentApp, root = checkoutRoot()): string {
  const entry = join(root, 'dist', 'apps', app, 'src', 'main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run "npm run build" first`);
  return entry;
}
