import 'reflect-metadata';
import { Command } from 'commander';
import { registerUp } from './commands/up';
import { registerHistory } from './commands/history';

/** `logbook` — also usable as a kubectl plugin (`kubectl logbook …`, through bin/kubectl-logbook). */
export async function main(argv: string[]): Promise<void> {
  const program = new Command('logbook').description('Logbook: an event-sourced Kubernetes-shaped orchestrator').showHelpAfterError();
  registerUp(program);
  registerHistory(program);
  await program.parseAsync(argv);
}

main(process.argv).catch((err: Error) => {
  process.stderr.write(`error: ${err.message}\n`);
  process.exit(1);
});
