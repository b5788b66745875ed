import type { Command } from 'commander';
import { checkFormat, clientFrom, printStructured, withKubeconfig } from './common';

export function registerHash(program: Command): void {
  withKubeconfig(
    program
      .command('hash')
      .description("the live cluster's state hash, or the state hash as of a point (--at)")
      .option('--at <point>', 'a resourceVersion, an RFC 3339 time or a duration ago')
      .option('-o, --output <format>', 'text or json', 'text'),
  ).action(async (opts: { at?: string; output: string; kubeconfig?: string }) => {
    checkFormat(opts.output, ['text', 'json']);
    const h = await clientFrom(opts).logbook('hash', { at: opts.at });
    if (printStructured(h, opts.output)) return;
    process.stdout.write(`position ${h.position}  objects ${h.objects}  hash ${h.hash}\n`);
  });
}
