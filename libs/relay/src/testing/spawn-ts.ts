import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '../../../..');

export interface TsChild {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly stderr: string[];
  exited(): Promise<number | null>;
}

/**
 * Runs a TypeScript entry point in a child Node process through the repository's swc require
 * hook (libs/eventstore/src/testing/ts-register.cjs): no build step, @logbook/* resolved.
 */
export function spawnTs(entry: string, env: Record<string, string>, args: readonly string[] = []): TsChild {
  const child = spawn(process.execPath, ['-r', join(root, 'libs/eventstore/src/testing/ts-register.cjs'), join(root, entry), ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const stderr: string[] = [];
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop()!;
    lines.push(...parts.filter(Boolean));
  });
  child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, lines, stderr, exited: () => exit };
}
