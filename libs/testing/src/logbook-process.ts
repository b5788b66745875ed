import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, appendFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { eventually } from './eventually';

const ROOT = resolve(__dirname, '..', '..', '..');

export interface LogbookProcess extends SpawnedLogbook {
  readonly dataDir: string;
  readonly kubeconfig: string;
  readonly adminToken: string;
}

const ENTRY = join(ROOT, 'bin', 'logbook.js');

function requireBuild(): void {
  if (!existsSync(join(ROOT, 'dist', 'apps', 'cli', 'src', 'main.js'))) {
    throw new Error('dist/ is missing: run "npm run build" (npm test does it) before the end-to-end tests');
  }
}

/**
 * Starts `logbook up` as a real OS process on a free port (the built CLI in dist/; `npm test`
 * builds first). Resolves once it printed its URL and answers /readyz. Without a node agent
 * (`--no-node-agent`) unless the args ask for one (`--node-agent --node-agent-port 0`): tests
 * on hollow nodes keep their scheduling deterministic, and parallel tests do not share port 10255.
 */
export async function startLogbook(dataDir: string, extraArgs: string[] = [], env: Record<string, string> = {}): Promise<LogbookProcess> {
  const nodeAgent = extraArgs.includes('--node-agent') ? [] : ['--no-node-agent'];
  const up = await spawnLogbookUntilUp(['up', '--data-dir', dataDir, '--port', '0', ...nodeAgent, ...extraArgs], {
    logLevel: process.env.LOG_LEVEL,
    // Parallel clusters must not contend for the default ingress port (127.0.0.1:8080).
    env: { LOGBOOK_INGRESS_ADDRESS: '127.0.0.1:0', ...env },
    timeoutMs: 30_000,
    what: 'logbook up to print its URL',
  });
  const kubeconfig = join(dataDir, 'kubeconfig');
  const config = parse(readFileSync(kubeconfig, 'utf8'));
  return { ...up, dataDir, kubeconfig, adminToken: config.users[0].user.token };
}

/** A `logbook` process that printed "Logbook is up at <url>". */
export interface SpawnedLogbook {
  readonly url: string;
  readonly proc: ChildProcess;
  output(): string;
  /** Graceful stop (SIGTERM) or a crash (SIGKILL); resolves when the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Spawns the built CLI with `args` and waits until it prints its URL; a process that exits
 * first, or misses the deadline, fails the wait (and is stopped). Logs at `logLevel` (warn).
 */
export async function spawnLogbookUntilUp(args: string[], options: { timeoutMs: number; intervalMs?: number; what: string; logLevel?: string; env?: Record<string, string> }): Promise<SpawnedLogbook> {
  requireBuild();
  const proc = spawn(process.execPath, [ENTRY, ...args], {
    cwd: ROOT,
    // Tests that do not ask for a runtime get the process runtime: their manifests run host commands.
    env: { ...process.env, LOGBOOK_RUNTIME: process.env.LOGBOOK_RUNTIME ?? 'process', ...options.env, LOG_LEVEL: options.logLevel ?? 'warn', NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  const url = await eventually(
    () => {
      if (proc.exitCode !== null) throw new Error(`logbook ${args[0]} exited with ${proc.exitCode}:\n${out}`);
      return /Logbook is up at (\S+)/.exec(out)?.[1];
    },
    { timeoutMs: options.timeoutMs, intervalMs: options.intervalMs, what: options.what },
  ).catch((err: Error) => {
    proc.kill('SIGTERM');
    throw err;
  });
  return {
    url,
    proc,
    output: () => out,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

/** Runs one `logbook` command (e.g. `down`) to its end. */
export function runLogbook(args: string[], timeoutMs = 120_000): Promise<{ code: number; stdout: string; stderr: string }> {
  requireBuild();
  return new Promise((resolve) => {
    execFile(process.execPath, [ENTRY, ...args], { cwd: ROOT, env: { ...process.env, LOGBOOK_RUNTIME: process.env.LOGBOOK_RUNTIME ?? 'process', NODE_OPTIONS: '' }, timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Adds a line to the cluster's static token file; the server picks it up without a restart. */
export function addToken(dataDir: string, token: string, user: string, groups: readonly string[] = ['developers']): void {
  appendFileSync(join(dataDir, 'tokens.csv'), `${token},${user},${user}-uid,"${groups.join(',')}"\n`);
}
