import 'reflect-metadata';
import { Command } from 'commander';
import { registerUp } from './commands/up';
import { registerDown } from './commands/down';
import { registerHistory } from './commands/history';
import { registerAudit } from './commands/audit';
import { registerGet } from './commands/get';
import { registerDiff } from './commands/diff';
import { registerExplain } from './commands/explain';
import { registerReplay } from './commands/replay';
import { registerHash } from './commands/hash';
import { registerTail } from './commands/tail';
import { registerImage } from './commands/image';
import { registerSecrets } from './commands/secrets';
import { registerToken } from './commands/token';
import { registerJoin } from './commands/join';

/** `logbook` — also usable as a kubectl plugin (`kubectl logbook …`, through bin/kubectl-logbook). */
export async function main(argv: string[]): Promise<void> {
  const program = new Command('logbook').description('Logbook: an event-sourced Kubernetes-shaped orchestrator').showHelpAfterError();
  registerUp(program);
  registerDown(program);
  registerHistory(program);
  registerAudit(program);
  registerGet(program);
  registerDiff(program);
  registerExplain(program);
  registerReplay(program);
  registerHash(program);
  registerTail(program);
  registerImage(program);
  registerSecrets(program);
  registerToken(program);
  registerJoin(program);
  await program.parseAsync(argv);
}

main(process.argv).catch((err: Error) => {
  process.stderr.write(`error: ${err.message}\n`);
  process.exit(1);
});
