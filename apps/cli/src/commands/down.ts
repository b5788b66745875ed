import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { PidsFile, distributedPidsPath, stopLeftovers } from '@logbook/cluster';
import { type ContainerStatus, ProcessRuntime } from '@logbook/runtime';
import { isAlive, removeContainerdNode, removePidFile, runningUpPid, stopLeftoverRegistry } from '@logbook/cluster';
import { DEFAULT_DATA_DIR } from './up';

/** How long `logbook up` gets to stop after SIGTERM before it is killed. */
const UP_STOP_TIMEOUT_MS = 60_000;
/** A pod's grace period when its sandbox did not record one (Kubernetes' default). */
const DEFAULT_GRACE_SECONDS = 30;
const PROGRESS_EVERY_MS = 5_000;

type Say = (line: string) => void;

export function registerDown(program: Command): void {
  program
    .command('down')
    .description('stop the logbook up (embedded or --distributed) of a data directory, then the pod processes its node agents left running')
    .option('--data-dir <dir>', 'the data directory `logbook up` was started with', DEFAULT_DATA_DIR)
    .action(async (opts: { dataDir: string }) => {
      const dataDir = resolve(opts.dataDir);
      const say: Say = (line) => process.stdout.write(`${line}\n`);
      // A --distributed supervisor stops its children and the broker it started; children of one
      // that was killed outright are still in pids.json.
      const stoppedUp = await stopUp(dataDir, say);
      const leftovers = await stopLeftovers(new PidsFile(distributedPidsPath(dataDir)), say);
      const stoppedPods = await Promise.all(nodeStateDirs(dataDir).map(async ({ stateDir, node }) => (await removeContainerdNode(stateDir, say)) || (await stopPods(stateDir, say, node))));
      // The registry of an `up --registry` that was killed outright outlives it.
      const registries = await stopLeftoverRegistry(dataDir);
      if (registries > 0) say(`stopped the image registry a killed logbook up left running`);
      if (!stoppedUp && leftovers === 0 && registries === 0 && !stoppedPods.includes(true)) say(`nothing is running in ${dataDir}`);
    });
}

/** The embedded node agent's state (`<data-dir>/node`) and each distributed one's (`<data-dir>/nodes/<name>`). */
function nodeStateDirs(dataDir: string): { stateDir: string; node?: string }[] {
  const nodes = join(dataDir, 'nodes');
  const distributed = existsSync(nodes) ? readdirSync(nodes, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => ({ stateDir: join(nodes, d.name), node: d.name })) : [];
  return [{ stateDir: join(dataDir, 'node') }, ...distributed];
}

/** SIGTERM to the `logbook up` named by the pid file, then waits for it to exit (SIGKILL after a minute). */
async function stopUp(dataDir: string, say: Say): Promise<boolean> {
  const pid = runningUpPid(dataDir);
  if (pid === undefined) {
    removePidFile(dataDir); // stale: left by a crash
    return false;
  }
  say(`stopping logbook up (pid ${pid})...`);
  process.kill(pid, 'SIGTERM');
  const exited = await waitFor(() => !isAlive(pid), UP_STOP_TIMEOUT_MS, () => say(`  waiting for logbook up (pid ${pid}) to stop...`));
  if (!exited) {
    say(`logbook up (pid ${pid}) did not stop within ${UP_STOP_TIMEOUT_MS / 1000} s: killing it`);
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !isAlive(pid), UP_STOP_TIMEOUT_MS);
  }
  removePidFile(dataDir);
  say('logbook up stopped');
  return true;
}

/**
 * The pod processes a node agent left running (they outlive `up` on purpose): SIGTERM, each
 * pod's grace period, SIGKILL; then the runtime's state is cleared, so the next `up` adopts
 * nothing and starts the pods still bound to its node afresh. Log files stay.
 */
async function stopPods(stateDir: string, say: Say, node?: string): Promise<boolean> {
  const on = node ? ` on node ${node}` : '';
  if (!existsSync(stateDir)) return false;
  const runtime = new ProcessRuntime({ stateDir, adoptPollMs: 100 });
  try {
    const sandboxes = await runtime.listSandboxes();
    const containers = await runtime.listContainers();
    const pods = new Set([...sandboxes.map((s) => s.uid), ...containers.map((c) => c.podUid)]);
    if (pods.size === 0) return false;
    const grace = new Map(sandboxes.map((s) => [s.uid, s.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS]));
    const graceOf = (uid: string) => grace.get(uid) ?? DEFAULT_GRACE_SECONDS;
    const running = containers.filter((c) => c.status.state === 'running');
    if (running.length > 0) {
      const longest = Math.max(...running.map((c) => graceOf(c.podUid)));
      say(`stopping ${processes(running.length)} of ${plural(new Set(running.map((c) => c.podUid)).size, 'pod')}${on}: SIGTERM, then SIGKILL after the pod's grace period (at most ${longest} s)...`);
      const progress = setInterval(() => void stillRunning(runtime).then((n) => n > 0 && say(`  ${processes(n)}${on} still stopping...`)), PROGRESS_EVERY_MS);
      try {
        await Promise.all(running.map((c) => runtime.stopContainer(c.podUid, c.name, graceOf(c.podUid))));
      } finally {
        clearInterval(progress);
      }
    }
    for (const uid of pods) await runtime.removePodSandbox(uid);
    say(`stopped ${processes(running.length)}${on}; cleared the node agent's state of ${plural(pods.size, 'pod')} (${stateDir})`);
    return true;
  } finally {
    await runtime.close();
  }
}

async function stillRunning(runtime: ProcessRuntime): Promise<number> {
  return (await runtime.listContainers()).filter((c: ContainerStatus) => c.status.state === 'running').length;
}

async function waitFor(done: () => boolean, timeoutMs: number, progress?: () => void): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let nextNote = Date.now() + PROGRESS_EVERY_MS;
  while (!done()) {
    if (Date.now() >= deadline) return false;
    if (progress && Date.now() >= nextNote) {
      progress();
      nextNote += PROGRESS_EVERY_MS;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
const processes = (n: number) => `${n} pod process${n === 1 ? '' : 'es'}`;
