import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Duplex } from 'node:stream';
import {
  ContainerRuntime,
  ContainerSpec,
  ContainerStats,
  ContainerStatus,
  ExecProcess,
  ExecStreamOptions,
  LogOptions,
  PodSandbox,
  PodSandboxSpec,
  RuntimeCapabilities,
  RuntimeError,
} from '../container-runtime.port';
import { containerConfig, verifyNonRoot } from './container-config';
import { containerStatusOf } from './container-status';
import { CriClient } from './cri-client';
import { isNotFound } from './cri-errors';
import { CriImages } from './cri-images';
import { CONTAINER_NAME, NODE, POD_UID } from './cri-labels';
import { readCriLog } from './cri-log-reader';
import { ETC_HOSTS_FILE } from './etc-hosts';
import type { CriContainer, CriContainerStatus } from './cri-types';
import { CriSandboxes } from './cri-sandboxes';
import { ExitWatcher } from './exit-watcher';
import { KeyedLock } from './keyed-lock';
import { CriStreams } from './cri-streams';

export interface CriRuntimeOptions {
  /** containerd's CRI socket. */
  readonly socketPath: string;
  /** Where pods' log directories go (`<logDir>/<namespace>_<name>_<uid>/<container>/<attempt>.log`). */
  readonly logDir: string;
  /** The node this agent runs: its sandboxes and containers carry it, so agents sharing a containerd keep apart. */
  readonly nodeName: string;
  /** Parent cgroup (cgroupfs syntax) under which each pod gets `pod<uid>`; absent: containerd's default. */
  readonly cgroupParent?: string;
  /** The node's podCIDR, handed to containerd (UpdateRuntimeConfig) for its CNI config template. */
  readonly podCIDR?: string;
  readonly now?: () => Date;
  /** How often ListContainers is polled for exits (containerd 1.6 has no CRI event stream). */
  readonly pollMs?: number;
}

/** Runs pods as CRI sandboxes and containers of a containerd (runtime.v1 over its unix socket). */
export class CriRuntime implements ContainerRuntime {
  readonly images: CriImages;
  private readonly client: CriClient;
  private readonly sandboxes: CriSandboxes;
  private readonly watcher: ExitWatcher;
  private readonly streams: CriStreams;
  private readonly listeners = new Set<(status: ContainerStatus) => void>();
  private readonly lock = new KeyedLock();
  /** Facts of a container that never change once it runs (start time, pid), or once it has exited (everything). */
  private readonly settled = new Map<string, { status: CriContainerStatus; pid?: number }>();
  private readonly now: () => Date;
  private version = '';

  /** Connects, checks that containerd answers, and starts watching for exits. */
  static async connect(options: CriRuntimeOptions): Promise<CriRuntime> {
    const rt = new CriRuntime(options);
    try {
      await rt.start(options.podCIDR);
    } catch (err) {
      await rt.close();
      throw err;
    }
    return rt;
  }

  private constructor(private readonly options: CriRuntimeOptions) {
    this.now = options.now ?? (() => new Date());
    this.client = new CriClient({ socketPath: options.socketPath });
    this.images = new CriImages(this.client);
    this.sandboxes = new CriSandboxes(this.client, { logDir: options.logDir, nodeName: options.nodeName, cgroupParent: options.cgroupParent });
    this.streams = new CriStreams(this.client);
    this.watcher = new ExitWatcher(this.client, options.nodeName, options.pollMs ?? 250, (s) => this.exited(s));
  }

  private async start(podCIDR: string | undefined): Promise<void> {
    const v = await this.client.version();
    this.version = v.runtimeVersion;
    if (podCIDR) await this.client.updateRuntimeConfig(podCIDR);
    await this.watcher.start();
  }

  capabilities(): RuntimeCapabilities {
    return { name: 'containerd', version: this.version, images: true, mounts: true, limitsEnforced: true };
  }

  async runPodSandbox(spec: PodSandboxSpec): Promise<PodSandbox> {
    const ref = await this.sandboxes.run(spec);
    return { uid: ref.uid, ip: ref.ip, logDir: ref.config.logDirectory, ...(spec.terminationGracePeriodSeconds !== undefined ? { terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds } : {}) };
  }

  listSandboxes(): Promise<PodSandbox[]> {
    return this.sandboxes.list();
  }

  async removePodSandbox(uid: string): Promise<void> {
    // The agent stops containers with the pod's grace period first; whatever still runs goes now.
    const mine = await this.client.listContainers({ labels: { [POD_UID]: uid, [NODE]: this.options.nodeName } });
    await Promise.all(mine.filter((c) => c.state === 'CONTAINER_RUNNING').map((c) => this.stopById(c.id, 0)));
    await this.sandboxes.remove(uid);
    for (const c of mine) this.settled.delete(c.id);
  }

  startContainer(spec: ContainerSpec): Promise<ContainerStatus> {
    return this.lock.run(`${spec.podUid}/${spec.name}`, () => this.startLocked(spec));
  }

  private async startLocked(spec: ContainerSpec): Promise<ContainerStatus> {
    const sandbox = await this.sandboxes.get(spec.podUid);
    const attempts = await this.attemptsOf(spec.podUid, spec.name);
    const latest = attempts[0];
    if (latest?.state === 'CONTAINER_RUNNING') throw new RuntimeError('AlreadyRunning', `container ${spec.name} is running`);
    const attempt = latest ? latest.metadata.attempt + 1 : 0;

    const image = (await this.client.imageStatus(spec.image)) ?? (await this.client.imageStatus(await this.client.pullImage(spec.image)));
    const meta = sandbox.config.metadata;
    verifyNonRoot(spec, image, `${meta.name}_${meta.namespace}(${meta.uid})`);

    const logDir = join(sandbox.config.logDirectory, spec.name);
    mkdirSync(logDir, { recursive: true });
    // The kubelet's way to a termination message: a host file bound at terminationMessagePath, read after exit.
    const terminationLog = join(logDir, `${attempt}.termination-log`);
    writeFileSync(terminationLog, '');
    chmodSync(terminationLog, 0o666); // whatever user the container runs as writes it
    const hosts = join(sandbox.config.logDirectory, ETC_HOSTS_FILE);
    const config = containerConfig(spec, {
      attempt,
      sandbox: sandbox.config,
      nodeName: this.options.nodeName,
      terminationLog,
      ...(existsSync(hosts) ? { etcHosts: hosts } : {}),
    });
    let id: string;
    try {
      id = await this.client.createContainer(sandbox.id, config, sandbox.config);
    } catch (err) {
      if (isNotFound(err)) this.sandboxes.forget(spec.podUid);
      throw new RuntimeError('CreateContainerError', (err as Error).message);
    }
    try {
      await this.client.startContainer(id);
    } catch (err) {
      await this.client.removeContainer(id).catch(() => undefined);
      throw new RuntimeError('StartError', (err as Error).message);
    }
    this.watcher.watch(id);
    // One previous attempt stays for `logs --previous`; older ones go, with their files.
    for (const old of attempts.slice(1)) await this.removeAttempt(old);
    return this.statusOf(id);
  }

  async stopContainer(podUid: string, name: string, gracePeriodSeconds: number): Promise<void> {
    const latest = (await this.attemptsOf(podUid, name))[0];
    if (!latest || latest.state !== 'CONTAINER_RUNNING') return;
    await this.stopById(latest.id, gracePeriodSeconds);
  }

  async listContainers(): Promise<ContainerStatus[]> {
    const all = await this.client.listContainers({ labels: { [NODE]: this.options.nodeName } });
    const out: ContainerStatus[] = [];
    for (const c of latestAttempts(all)) {
      const s = await this.statusOf(c.id, c).catch((err) => {
        if (isNotFound(err)) return undefined; // removed while we listed
        throw err;
      });
      if (s) out.push(s);
    }
    return out;
  }

  onExit(listener: (status: ContainerStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async *logs(podUid: string, name: string, options: LogOptions): AsyncGenerator<string> {
    const attempts = await this.attemptsOf(podUid, name);
    const c = options.previous ? attempts[1] : attempts[0];
    if (!c) throw new RuntimeError('NotFound', options.previous ? `previous terminated container ${name} not found` : `container ${name} of pod ${podUid} not found`);
    const status = await this.client.containerStatus(c.id);
    yield* readCriLog(
      { path: status.logPath, now: this.now, finished: () => options.previous === true || !this.watcher.isRunning(c.id) || this.closed },
      options,
    );
  }

  async stats(): Promise<ContainerStats[]> {
    const stats = await this.client.listContainerStats({ [NODE]: this.options.nodeName });
    return stats
      .filter((s) => s.attributes.labels[POD_UID] !== undefined && this.watcher.isRunning(s.attributes.id))
      .map((s) => ({
        podUid: s.attributes.labels[POD_UID],
        name: s.attributes.labels[CONTAINER_NAME] ?? s.attributes.metadata.name,
        cpuSeconds: Number(s.cpu?.usageCoreNanoSeconds?.value ?? 0) / 1e9,
        memoryWorkingSetBytes: Number(s.memory?.workingSetBytes?.value ?? 0),
      }));
  }

  async exec(podUid: string, name: string, command: readonly string[], timeoutMs: number): Promise<{ exitCode: number; output: string }> {
    if (command.length === 0) throw new RuntimeError('InvalidCommand', 'exec needs a command');
    const id = await this.runningId(podUid, name);
    const seconds = Math.max(1, Math.ceil(timeoutMs / 1000));
    try {
      const res = await this.client.execSync(id, command, seconds);
      return { exitCode: res.exitCode, output: Buffer.concat([res.stdout, res.stderr]).toString('utf8') };
    } catch (err) {
      if (/timeout .* exceeded|deadline exceeded/i.test((err as Error).message)) {
        throw new RuntimeError('Timeout', `${command[0]} did not finish within ${timeoutMs} ms`);
      }
      throw err;
    }
  }

  async execStream(podUid: string, name: string, command: readonly string[], options: ExecStreamOptions): Promise<ExecProcess> {
    if (command.length === 0) throw new RuntimeError('InvalidCommand', 'exec needs a command');
    return this.streams.exec(await this.runningId(podUid, name), command, options);
  }

  async attach(podUid: string, name: string, options: ExecStreamOptions): Promise<ExecProcess> {
    return this.streams.attach(await this.runningId(podUid, name), options);
  }

  async portForward(podUid: string, port: number): Promise<Duplex> {
    return this.streams.portForward((await this.sandboxes.get(podUid)).id, port);
  }

  private closed = false;

  /** Stops polling and closes the socket; the containers keep running for the next agent run. */
  async close(): Promise<void> {
    this.closed = true;
    this.watcher.stop();
    this.client.close();
  }

  /** The container's CRI attempts, newest first. */
  private async attemptsOf(podUid: string, name: string): Promise<CriContainer[]> {
    const list = await this.client.listContainers({ labels: { [POD_UID]: podUid, [CONTAINER_NAME]: name, [NODE]: this.options.nodeName } });
    return list.sort((a, b) => b.metadata.attempt - a.metadata.attempt);
  }

  private async runningId(podUid: string, name: string): Promise<string> {
    const latest = (await this.attemptsOf(podUid, name))[0];
    if (!latest || latest.state !== 'CONTAINER_RUNNING') throw new RuntimeError('NotRunning', `container ${name} of pod ${podUid} is not running`);
    return latest.id;
  }

  private async stopById(id: string, gracePeriodSeconds: number): Promise<void> {
    await this.client.stopContainer(id, Math.max(0, Math.ceil(gracePeriodSeconds))).catch((err) => {
      if (!isNotFound(err)) throw err;
    });
    await this.watcher.check(id);
  }

  private async removeAttempt(c: CriContainer): Promise<void> {
    const status = await this.client.containerStatus(c.id).catch(() => undefined);
    await this.client.removeContainer(c.id).catch((err) => {
      if (!isNotFound(err)) throw err;
    });
    this.settled.delete(c.id);
    if (status?.logPath) {
      rmSync(status.logPath, { force: true });
      rmSync(join(dirname(status.logPath), `${c.metadata.attempt}.termination-log`), { force: true });
    }
  }

  /** ContainerStatus of one container: what cannot change any more comes from memory, the rest from containerd. */
  private async statusOf(id: string, listed?: CriContainer): Promise<ContainerStatus> {
    const known = this.settled.get(id);
    if (known && (known.status.state !== 'CONTAINER_RUNNING' || listed?.state === 'CONTAINER_RUNNING')) return containerStatusOf(known.status, known.pid);
    const { status, pid } = await this.fetchStatus(id);
    if (status.state === 'CONTAINER_RUNNING' || status.state === 'CONTAINER_EXITED') this.settled.set(id, { status, pid });
    return containerStatusOf(status, pid);
  }

  private async fetchStatus(id: string): Promise<{ status: CriContainerStatus; pid?: number }> {
    const res = await this.client.containerStatusVerbose(id);
    return { status: res.status, pid: pidOf(res.info) };
  }

  private exited(status: CriContainerStatus): void {
    const known = this.settled.get(status.id);
    this.settled.set(status.id, { status, pid: known?.pid });
    const s = containerStatusOf(status, known?.pid);
    for (const listener of this.listeners) listener(s);
  }
}

/** The newest attempt of each (pod, container), which is what the agent tracks. */
function latestAttempts(list: CriContainer[]): CriContainer[] {
  const byKey = new Map<string, CriContainer>();
  for (const c of list) {
    const uid = c.labels[POD_UID];
    if (uid === undefined) continue;
    const key = `${uid}/${c.labels[CONTAINER_NAME] ?? c.metadata.name}`;
    const seen = byKey.get(key);
    if (!seen || c.metadata.attempt > seen.metadata.attempt) byKey.set(key, c);
  }
  return [...byKey.values()];
}

/** containerd's verbose status carries the task's pid in its `info` JSON. */
function pidOf(info: Record<string, string> | undefined): number | undefined {
  try {
    const pid = (JSON.parse(info?.info ?? '{}') as { pid?: number }).pid;
    return typeof pid === 'number' && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
