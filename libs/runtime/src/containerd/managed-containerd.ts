import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CniConfigOptions, bridgeNameFor, renderCniConfig } from './cni-config';
import { renderContainerdConfig, renderRegistryHosts } from './containerd-config';
import { findCniBinDir, findExecutable } from './containerd-available';
import { CriClient } from '../cri/cri-client';
import { deleteLink, killShims, processAlive, processArgv, removeNetnsFiles, shimsOf, unmountAllUnder } from './host-cleanup';
import { SHORT_SOCKET_ROOT, containerdSocketPath } from './socket-path';

export interface ManagedContainerdOptions {
  /** Everything of this containerd lives here: config, root, state, CNI config, log. */
  readonly dataDir: string;
  /** The pause image of every pod sandbox, e.g. '127.0.0.1:5000/logbook/pause:3.9'. */
  readonly sandboxImage: string;
  /** Registry host → mirror endpoints, e.g. { 'docker.io': ['http://127.0.0.1:5000'] }. */
  readonly registryMirrors?: Readonly<Record<string, readonly string[]>>;
  /** host:port of registries spoken to over plain http (e.g. the local registry). */
  readonly insecureRegistries?: readonly string[];
  readonly log?: (line: string) => void;
  /** How long containerd may take to answer on its socket (default 60 s). */
  readonly startTimeoutMs?: number;
}

export interface StopOptions {
  /** Also remove every pod sandbox and container, and whatever they left on the host (`logbook down`). */
  readonly removeAll?: boolean;
  /** Between SIGTERM and SIGKILL of containerd (default 10 s). */
  readonly timeoutMs?: number;
}

/** What a data directory remembers of its containerd, so that a restarted agent or `logbook down` finds it. */
interface StateFile {
  readonly pid: number;
  readonly socket: string;
  readonly config: string;
  readonly bridge: string;
}

const STATE_FILE = 'containerd.json';

/**
 * A containerd that Logbook starts and owns, one per node agent, everything under its data
 * directory. containerd runs detached from the agent: an agent that is killed and restarted finds
 * it (and, through containerd's shims, its containers) still running and adopts it. Only
 * `stop({ removeAll: true })` — `logbook down` — removes the containers and what they left behind.
 */
export class ManagedContainerd {
  readonly configPath: string;
  readonly rootDir: string;
  readonly stateDir: string;
  readonly cniConfDir: string;
  readonly ipamDir: string;
  readonly logPath: string;
  readonly bridgeName: string;

  private constructor(
    readonly dataDir: string,
    readonly socketPath: string,
    private pidValue: number,
    /** True when a containerd of this data directory was already running and was reused. */
    readonly adopted: boolean,
    private readonly log: (line: string) => void,
  ) {
    this.configPath = join(dataDir, 'config.toml');
    this.rootDir = join(dataDir, 'root');
    this.stateDir = join(dataDir, 'state');
    this.cniConfDir = join(dataDir, 'cni', 'conf');
    this.ipamDir = join(dataDir, 'cni', 'ipam');
    this.logPath = join(dataDir, 'containerd.log');
    this.bridgeName = bridgeNameFor(dataDir);
  }

  get pid(): number {
    return this.pidValue;
  }

  /** The CRI endpoint for a CRI client: `unix://<socket>`. */
  get endpoint(): string {
    return `unix://${this.socketPath}`;
  }

  static async start(o: ManagedContainerdOptions): Promise<ManagedContainerd> {
    const log = o.log ?? (() => undefined);
    const dataDir = resolve(o.dataDir);
    const socket = containerdSocketPath(dataDir);
    const cniBinDir = findCniBinDir();
    if (!cniBinDir) throw new Error('CNI plugins not found in /usr/lib/cni: apt-get install -y containernetworking-plugins');
    if (!findExecutable('containerd')) throw new Error('containerd not found: apt-get install -y containerd runc');
    for (const d of ['root', 'state', 'opt', 'cni/conf', 'cni/ipam']) mkdirSync(join(dataDir, d), { recursive: true });
    mkdirSync(dirname(socket), { recursive: true, mode: 0o700 });
    const configPath = join(dataDir, 'config.toml');
    const config = renderContainerdConfig({
      root: join(dataDir, 'root'),
      state: join(dataDir, 'state'),
      address: socket,
      optDir: join(dataDir, 'opt'),
      sandboxImage: o.sandboxImage,
      cniBinDir,
      cniConfDir: join(dataDir, 'cni', 'conf'),
      registryMirrors: o.registryMirrors,
      insecureRegistries: o.insecureRegistries,
      registryHostsDir: join(dataDir, 'certs.d'),
      restrictOomScoreAdj: !hasCapability(CAP_SYS_RESOURCE),
    });
    const previousConfig = existsSync(configPath) ? readFileSync(configPath, 'utf8') : undefined;
    // containerd reads the hosts directory at every pull: rewritten here, no restart needed.
    const hostsDir = join(dataDir, 'certs.d');
    rmSync(hostsDir, { recursive: true, force: true });
    for (const [host, text] of renderRegistryHosts(o)) {
      mkdirSync(join(hostsDir, host), { recursive: true });
      writeFileSync(join(hostsDir, host, 'hosts.toml'), text);
    }
    const running = runningContainerd(dataDir);
    const timeoutMs = o.startTimeoutMs ?? 60_000;

    if (running && previousConfig === config && running.socket === socket) {
      // Already answering (or still booting): reuse it and the containers it keeps.
      try {
        await waitForCri(socket, running.pid, Math.min(timeoutMs, 30_000), join(dataDir, 'containerd.log'));
        log(`containerd: adopted the running containerd (pid ${running.pid}, ${socket})`);
        return new ManagedContainerd(dataDir, socket, running.pid, true, log);
      } catch (err) {
        log(`containerd: the running containerd (pid ${running.pid}) does not answer (${(err as Error).message}); restarting it`);
      }
    }
    if (running) {
      // Another configuration: restart containerd. Its shims keep the containers running and the
      // new containerd recovers them from the state directory.
      log(`containerd: restarting pid ${running.pid} with the new configuration`);
      await terminate(running.pid, 10_000);
    }
    writeFileSync(configPath, config);
    const logPath = join(dataDir, 'containerd.log');
    const pid = spawnContainerd(dataDir, configPath, socket);
    log(`containerd: started pid ${pid} on ${socket} (log ${logPath})`);
    try {
      await waitForCri(socket, pid, timeoutMs, logPath);
    } catch (err) {
      // A containerd that never answered is of no use to anyone: do not leave it running.
      await terminate(pid, 5000);
      rmSync(join(dataDir, STATE_FILE), { force: true });
      throw err;
    }
    return new ManagedContainerd(dataDir, socket, pid, false, log);
  }

  /**
   * Tears down whatever a data directory's containerd left, whether or not it still runs (for
   * `logbook down` of a cluster whose agent is gone). Starts nothing.
   */
  static async removeAllIn(dataDir: string, opts: { timeoutMs?: number; log?: (line: string) => void } = {}): Promise<void> {
    const dir = resolve(dataDir);
    const log = opts.log ?? (() => undefined);
    let running = runningContainerd(dir);
    const configPath = join(dir, 'config.toml');
    const socket = running?.socket ?? containerdSocketPath(dir);
    if (!running && existsSync(configPath) && shimsOf(socket).length > 0) {
      // Containers run but their containerd is gone: start it once more on the same config, so
      // that CRI removes the sandboxes (network teardown, address release, containerd's records)
      // instead of leaving that to the host clean-up alone.
      try {
        const pid = spawnContainerd(dir, configPath, socket);
        await waitForCri(socket, pid, 30_000, join(dir, 'containerd.log'));
        running = { pid, socket, config: configPath, bridge: bridgeNameFor(dir) };
        log(`containerd: restarted (pid ${pid}) to remove its sandboxes`);
      } catch (err) {
        log(`containerd: could not restart it to remove its sandboxes (${(err as Error).message.split('\n')[0]}); cleaning up the host directly`);
      }
    }
    const m = new ManagedContainerd(dir, socket, running?.pid ?? 0, true, log);
    await m.stop({ removeAll: true, timeoutMs: opts.timeoutMs });
  }

  /** CRI Version: proves containerd's CRI plugin answers. */
  async version(): Promise<CriVersion> {
    const cri = new CriClient({ socketPath: this.socketPath, deadlineMs: 5_000 });
    try {
      return await cri.version();
    } finally {
      cri.close();
    }
  }

  /** Writes the node's CNI network; containerd picks it up without a restart. Returns the conflist's path. */
  writeCniConfig(o: { podCIDR: string; clusterCIDR?: string; bridgeName?: string }): string {
    const opts: CniConfigOptions = { podCIDR: o.podCIDR, clusterCIDR: o.clusterCIDR, bridgeName: o.bridgeName ?? this.bridgeName, ipamDataDir: this.ipamDir };
    if (opts.bridgeName.length > 15) throw new Error(`bridge name "${opts.bridgeName}" is longer than Linux's 15 characters`);
    mkdirSync(this.cniConfDir, { recursive: true });
    const path = join(this.cniConfDir, '10-logbook.conflist');
    const text = renderCniConfig(opts);
    if (!existsSync(path) || readFileSync(path, 'utf8') !== text) writeFileSync(path, text);
    return path;
  }

  /**
   * Stops containerd (SIGTERM, SIGKILL after the deadline). Without `removeAll` the containers
   * keep running under their shims, for the next start to adopt. With it, every pod sandbox is
   * stopped and removed through CRI first, and then our shims, mounts, network namespaces, bridge
   * and address allocations are removed too.
   */
  async stop(o: StopOptions = {}): Promise<void> {
    const timeoutMs = o.timeoutMs ?? 10_000;
    const alive = this.pidValue > 0 && processAlive(this.pidValue) && isOurs(this.pidValue, this.configPath);
    if (o.removeAll && alive) await this.removeSandboxes();
    if (alive) await terminate(this.pidValue, timeoutMs);
    rmSync(join(this.dataDir, STATE_FILE), { force: true });
    if (!o.removeAll) return;
    const shims = killShims(this.socketPath);
    if (shims > 0) this.log(`containerd: killed ${shims} leftover shim(s) and their processes`);
    const socketDir = dirname(this.socketPath);
    const shortSocket = socketDir.startsWith(`${SHORT_SOCKET_ROOT}/`);
    const unmounted = unmountAllUnder(shortSocket ? [this.dataDir, socketDir] : [this.dataDir]);
    if (unmounted.length > 0) this.log(`containerd: unmounted ${unmounted.length} leftover mount(s)`);
    removeNetnsFiles(this.stateDir);
    try {
      deleteLink(this.bridgeName);
    } catch (err) {
      this.log(`containerd: could not delete bridge ${this.bridgeName}: ${(err as Error).message}`);
    }
    rmSync(this.ipamDir, { recursive: true, force: true });
    rmSync(this.socketPath, { force: true });
    rmSync(`${this.socketPath}.ttrpc`, { force: true });
    if (shortSocket) rmSync(socketDir, { recursive: true, force: true });
    this.pidValue = 0;
  }

  private async removeSandboxes(): Promise<void> {
    const cri = new CriClient({ socketPath: this.socketPath, deadlineMs: 60_000 });
    try {
      const sandboxes = await cri.listPodSandbox();
      for (const s of sandboxes) {
        try {
          await cri.stopPodSandbox(s.id);
          await cri.removePodSandbox(s.id);
        } catch (err) {
          // The host clean-up after containerd stops still removes what this one left.
          this.log(`containerd: removing sandbox ${s.metadata?.namespace}/${s.metadata?.name} failed: ${(err as Error).message}`);
        }
      }
      if (sandboxes.length > 0) this.log(`containerd: removed ${sandboxes.length} pod sandbox(es)`);
    } catch (err) {
      this.log(`containerd: listing sandboxes failed: ${(err as Error).message}`);
    } finally {
      cri.close();
    }
  }
}

/** CAP_SYS_RESOURCE: lowering oom_score_adj below 0 needs it. */
const CAP_SYS_RESOURCE = 24;

function hasCapability(bit: number): boolean {
  try {
    const hex = /^CapEff:\s*([0-9a-f]+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return hex !== undefined && (BigInt(`0x${hex}`) & (1n << BigInt(bit))) !== 0n;
  } catch {
    return false;
  }
}

/** Starts containerd on a config and records it in the data directory's state file; returns its pid. */
function spawnContainerd(dataDir: string, configPath: string, socket: string): number {
  const binary = findExecutable('containerd');
  if (!binary) throw new Error('containerd not found: apt-get install -y containerd runc');
  const logPath = join(dataDir, 'containerd.log');
  const fd = openSync(logPath, 'a');
  const env = { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin` };
  // Detached into its own session: a node agent killed by a signal to its process group, or by
  // SIGKILL, leaves containerd (and so its containers) running for the next agent.
  const child = spawn(binary, ['--config', configPath], { detached: true, stdio: ['ignore', fd, fd], env });
  closeSync(fd);
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new Error(`containerd did not start: ${tail(logPath)}`);
  const state: StateFile = { pid, socket, config: configPath, bridge: bridgeNameFor(dataDir) };
  writeFileSync(join(dataDir, STATE_FILE), JSON.stringify(state, null, 2) + '\n');
  return pid;
}

/** What CRI Version answers (containerd's name and versions). */
export type CriVersion = Awaited<ReturnType<CriClient['version']>>;

function runningContainerd(dataDir: string): StateFile | undefined {
  const path = join(dataDir, STATE_FILE);
  if (!existsSync(path)) return undefined;
  try {
    const s = JSON.parse(readFileSync(path, 'utf8')) as StateFile;
    return processAlive(s.pid) && isOurs(s.pid, s.config) ? s : undefined;
  } catch {
    return undefined;
  }
}

/** A pid from our state file is ours only while it is a containerd on our config (pids are reused). */
function isOurs(pid: number, configPath: string): boolean {
  const argv = processArgv(pid);
  if (!argv || !/containerd$/.test(argv[0] ?? '')) return false;
  const i = argv.indexOf('--config');
  return i >= 0 && argv[i + 1] === configPath;
}

async function waitForCri(socket: string, pid: number, timeoutMs: number, logPath: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no socket yet';
  while (Date.now() < deadline) {
    if (!processAlive(pid)) throw new Error(`containerd (pid ${pid}) exited while starting; its log ends:\n${tail(logPath)}`);
    if (existsSync(socket)) {
      const cri = new CriClient({ socketPath: socket, deadlineMs: 2_000 });
      try {
        await cri.version();
        return;
      } catch (err) {
        last = (err as Error).message;
        // The socket serves but without CRI: the plugin failed to load, and will not later.
        if ((err as { reason?: string }).reason === 'NotSupported') {
          throw new Error(`containerd (pid ${pid}) runs without its CRI plugin (${last}); its log says:\n${criFailures(logPath)}`, { cause: err });
        }
      } finally {
        cri.close();
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`containerd (pid ${pid}) did not answer CRI on ${socket} within ${timeoutMs} ms (${last}); its log ends:\n${tail(logPath)}`);
}

async function terminate(pid: number, timeoutMs: number): Promise<void> {
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(pid, s);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (processAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (processAlive(pid)) {
    signal('SIGKILL');
    const killDeadline = Date.now() + 5000;
    while (processAlive(pid) && Date.now() < killDeadline) await new Promise((r) => setTimeout(r, 50));
  }
}

function criFailures(logPath: string): string {
  const lines = tail(logPath, 400).split('\n').filter((l) => /failed to load plugin|level=(error|fatal)/.test(l));
  return lines.slice(-10).join('\n') || tail(logPath);
}

function tail(path: string, lines = 20): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
