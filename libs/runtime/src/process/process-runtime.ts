import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ContainerRuntime,
  ContainerSpec,
  ContainerState,
  ContainerStats,
  ContainerStatus,
  ExecProcess,
  ExecStreamOptions,
  TerminalSize,
  LogOptions,
  PodSandbox,
  PodSandboxSpec,
  RuntimeCapabilities,
  RuntimeError,
} from '../container-runtime.port';
import { Cgroups } from './cgroups';
import { ContainerRecord, type StoredContainerRecord, containerSpecHash, processEnvironment, storedForm } from './container-record';
import { execCommand, exitCodeOf } from './exec-command';
import { readLog } from './log-reader';
import { indexPath, LogTap, rotatedPath } from './log-tap';
import { isSameProcessAlive, processStartTicks, signalGroup } from './proc-stat';
import { processGroupUsage } from './proc-usage';
import { Sandboxes } from './sandboxes';
import { onTerminal, resizeTerminal } from './terminal';
import { StateFiles } from './state-files';

export interface ProcessRuntimeOptions {
  readonly stateDir: string;
  /** Pod IPs; 127.0.0.0/8 is all routed to lo on Linux, so any /16 in it binds without setup. */
  readonly addressRange?: string;
  readonly logMaxBytes?: number;
  /** Files kept per attempt by rotation, the live one included. */
  readonly logFiles?: number;
  readonly now?: () => Date;
  readonly cgroupRoot?: string;
  /** How often processes adopted from a previous agent run (not our children) are checked. */
  readonly adoptPollMs?: number;
}

/** What an adopted process's exit is reported as: it was not our child, so its status went to init. */
export const UNKNOWN_EXIT = { exitCode: 255, reason: 'Unknown' } as const;

interface Live {
  record: ContainerRecord;
  child?: ChildProcess; // absent for processes adopted from a previous agent run
  tap?: LogTap;
  exited: Promise<void>;
  markExited: () => void;
  /** Process groups of commands exec'd into this attempt: they end with it. */
  execs: Set<number>;
}

/** Runs a pod's containers as detached OS processes of this machine (see docs in each helper). */
export class ProcessRuntime implements ContainerRuntime {
  private readonly sandboxes: Sandboxes;
  private readonly records: StateFiles<StoredContainerRecord>;
  private readonly cgroups: Cgroups;
  private readonly live = new Map<string, Live>();
  private readonly listeners = new Set<(status: ContainerStatus) => void>();
  private readonly now: () => Date;
  private readonly logMaxBytes: number;
  private readonly logFiles: number;
  private readonly adoptTimer: NodeJS.Timeout;
  private closed = false;

  constructor(options: ProcessRuntimeOptions) {
    this.now = options.now ?? (() => new Date());
    this.logMaxBytes = options.logMaxBytes ?? 10 * 1024 * 1024;
    this.logFiles = Math.max(1, options.logFiles ?? 2);
    this.sandboxes = new Sandboxes(options.stateDir, options.addressRange ?? '127.1.0.0/16');
    this.records = new StateFiles(join(options.stateDir, 'containers'));
    this.cgroups = new Cgroups(options.cgroupRoot ?? '/sys/fs/cgroup');
    for (const record of this.records.readAll()) this.adopt(record);
    this.adoptTimer = setInterval(() => this.pollAdopted(), options.adoptPollMs ?? 500);
    this.adoptTimer.unref();
  }

  capabilities(): RuntimeCapabilities {
    return { name: 'process', version: '0.1.0', images: false, mounts: false, ...this.cgroups.capabilities };
  }

  /** The hash of the spec the current attempt was started from, to spot drift after an agent restart. */
  specHash(podUid: string, name: string): string | undefined {
    return this.live.get(keyOf(podUid, name))?.record.specHash;
  }

  async runPodSandbox(spec: PodSandboxSpec): Promise<PodSandbox> {
    return sandboxOf(this.sandboxes.create(spec));
  }

  async listSandboxes(): Promise<PodSandbox[]> {
    return this.sandboxes.list().map(sandboxOf);
  }

  async removePodSandbox(uid: string): Promise<void> {
    const mine = [...this.live.values()].filter((l) => l.record.podUid === uid);
    // The agent stops containers with the pod's grace period first; whatever still runs goes now.
    await Promise.all(mine.map((l) => this.stopContainer(uid, l.record.name, 0)));
    for (const l of mine) {
      this.live.delete(keyOf(uid, l.record.name));
      this.records.remove(keyOf(uid, l.record.name));
    }
    this.sandboxes.remove(uid);
  }

  async startContainer(spec: ContainerSpec): Promise<ContainerStatus> {
    if (spec.command.length === 0) {
      throw new RuntimeError('InvalidCommand', `this runtime runs commands, it cannot pull and run image ${spec.image}: set command`);
    }
    const sandbox = this.sandboxes.get(spec.podUid);
    if (!sandbox) throw new RuntimeError('NoSandbox', `no sandbox for pod ${spec.podUid}`);
    const key = keyOf(spec.podUid, spec.name);
    const previous = this.live.get(key);
    if (previous?.record.status.state === 'running') throw new RuntimeError('AlreadyRunning', `container ${spec.name} is running`);
    const attempt = previous ? previous.record.attempt + 1 : 0;

    const logPath = join(sandbox.logDir, spec.name, `${attempt}.log`);
    this.prepareLogs(logPath, attempt);
    const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOSTNAME: sandbox.name, ...spec.env, POD_IP: sandbox.ip };
    const cgroup = this.cgroups.create(`${spec.podUid}_${spec.name}_${attempt}`, spec.limits);
    const fd = openSync(logPath, 'a'); // O_APPEND: rotation may truncate under the writer
    let child: ChildProcess;
    try {
      child = spawn(spec.command[0], [...spec.command.slice(1), ...spec.args], {
        cwd: spec.workingDir,
        env,
        detached: true, // own process group: stop signals reach the container's children too
        stdio: ['ignore', fd, fd],
      });
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
    } catch (err) {
      if (cgroup) this.cgroups.remove(cgroup);
      throw new RuntimeError('StartError', `cannot start ${spec.command[0]}: ${(err as Error).message}`);
    } finally {
      closeSync(fd);
    }
    const pid = child.pid!;
    child.unref();
    if (cgroup) this.cgroups.enter(cgroup, pid);
    const record: ContainerRecord = {
      podUid: spec.podUid,
      name: spec.name,
      image: spec.image,
      specHash: containerSpecHash(spec),
      env,
      workingDir: spec.workingDir,
      attempt,
      pid,
      startTicks: processStartTicks(pid),
      logPath,
      cgroup,
      status: { state: 'running', pid, startedAt: this.now().toISOString() },
    };
    const live = this.track(record, child);
    child.once('exit', (code, signal) => this.finish(live, exitCodeOf(code, signal), signal ?? undefined));
    this.records.write(key, storedForm(record));
    return statusOf(record);
  }

  async stopContainer(podUid: string, name: string, gracePeriodSeconds: number): Promise<void> {
    const live = this.live.get(keyOf(podUid, name));
    if (!live || live.record.status.state !== 'running') return;
    const pid = live.record.pid!;
    const watcher = live.child ? undefined : setInterval(() => this.checkAdopted(live), 50);
    try {
      if (gracePeriodSeconds > 0) {
        signalGroup(pid, 'SIGTERM');
        const graceOver = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), gracePeriodSeconds * 1000).unref());
        if ((await Promise.race([live.exited, graceOver])) !== 'timeout') return;
      }
      signalGroup(pid, 'SIGKILL');
      await live.exited;
    } finally {
      if (watcher) clearInterval(watcher);
    }
  }

  async listContainers(): Promise<ContainerStatus[]> {
    return [...this.live.values()].map((l) => statusOf(l.record));
  }

  onExit(listener: (status: ContainerStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async *logs(podUid: string, name: string, options: LogOptions): AsyncGenerator<string> {
    const live = this.live.get(keyOf(podUid, name));
    if (!live) throw new RuntimeError('NotFound', `container ${name} of pod ${podUid} not found`);
    const attempt = options.previous ? live.record.attempt - 1 : live.record.attempt;
    if (attempt < 0) throw new RuntimeError('NotFound', `previous terminated container ${name} not found`);
    const path = join(live.record.logPath, '..', `${attempt}.log`);
    yield* readLog(
      {
        path,
        files: this.logFiles,
        now: this.now,
        finished: () => this.closed || options.previous === true || live.record.attempt !== attempt || live.record.status.state !== 'running',
      },
      options,
    );
  }

  async stats(): Promise<ContainerStats[]> {
    const running = [...this.live.values()].filter((l) => l.record.status.state === 'running');
    const usage = processGroupUsage(running.map((l) => l.record.pid!));
    return running.map((l) => {
      const u = usage.get(l.record.pid!)!;
      return { podUid: l.record.podUid, name: l.record.name, cpuSeconds: u.cpuSeconds, memoryWorkingSetBytes: u.rssBytes };
    });
  }

  async exec(podUid: string, name: string, command: readonly string[], timeoutMs: number): Promise<{ exitCode: number; output: string }> {
    const live = this.live.get(keyOf(podUid, name));
    if (!live || live.record.status.state !== 'running') throw new RuntimeError('NotRunning', `container ${name} of pod ${podUid} is not running`);
    return execCommand(command, { env: live.record.env, cwd: live.record.workingDir, timeoutMs });
  }

  async execStream(podUid: string, name: string, command: readonly string[], options: ExecStreamOptions): Promise<ExecProcess> {
    const live = this.live.get(keyOf(podUid, name));
    if (!live || live.record.status.state !== 'running') throw new RuntimeError('NotRunning', `container ${name} is not running`);
    if (command.length === 0) throw new RuntimeError('InvalidCommand', 'exec needs a command');
    const [file, args] = options.tty ? onTerminal(command, options.tty) : [command[0], command.slice(1)];
    const child = spawn(file, args, {
      cwd: live.record.workingDir,
      env: { ...live.record.env, ...(options.tty ? { TERM: live.record.env.TERM ?? 'xterm' } : {}) },
      detached: true, // its own group, so that ending it ends what it started too
      // A terminal's input stays open without -i: script(1) ends the session at end of input.
      stdio: [options.stdin || options.tty ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
    } catch (err) {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      if (missing && options.tty) throw new RuntimeError('NoTerminal', `this node cannot give a terminal (script(1) of util-linux is not installed): run kubectl exec without -t`);
      throw new RuntimeError(missing ? 'CommandNotFound' : 'ExecError', `cannot run ${command[0]} in container ${name}: ${(err as Error).message}`);
    }
    const pid = child.pid!;
    if (live.record.cgroup) this.cgroups.enter(live.record.cgroup, pid);
    live.execs.add(pid);
    const exited = new Promise<number>((resolve) => {
      child.once('exit', (code, signal) => {
        live.execs.delete(pid);
        resolve(exitCodeOf(code, signal));
      });
    });
    return {
      stdin: options.stdin ? child.stdin! : undefined,
      stdout: child.stdout!,
      stderr: child.stderr!,
      exited,
      kill: () => signalGroup(pid, 'SIGKILL'),
      ...(options.tty ? { resize: (size: TerminalSize) => resizeTerminal(pid, size) } : {}),
    };
  }

  /** Stops watching; the processes keep running, for the next agent run to adopt. Exec'd commands end: their clients were this agent's connections. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.adoptTimer);
    for (const l of this.live.values()) {
      l.tap?.stop();
      for (const pid of l.execs) signalGroup(pid, 'SIGKILL');
    }
  }

  private track(record: ContainerRecord, child?: ChildProcess): Live {
    let markExited!: () => void;
    const exited = new Promise<void>((r) => (markExited = r));
    const live: Live = { record, child, exited, markExited, execs: new Set() };
    if (record.status.state === 'running') live.tap = new LogTap(record.logPath, { maxBytes: this.logMaxBytes, files: this.logFiles, now: this.now }).start();
    else markExited();
    this.live.set(keyOf(record.podUid, record.name), live);
    return live;
  }

  private adopt(stored: StoredContainerRecord): void {
    const record: ContainerRecord = { ...stored, env: stored.status.state === 'running' ? processEnvironment(stored.pid) : {} };
    const live = this.track(record);
    if (record.status.state === 'running' && !isSameProcessAlive(record.pid!, record.startTicks)) {
      this.finish(live, UNKNOWN_EXIT.exitCode, undefined, UNKNOWN_EXIT.reason);
    }
  }

  private pollAdopted(): void {
    for (const l of this.live.values()) if (!l.child) this.checkAdopted(l);
  }

  private checkAdopted(live: Live): void {
    if (live.record.status.state === 'running' && !isSameProcessAlive(live.record.pid!, live.record.startTicks)) {
      this.finish(live, UNKNOWN_EXIT.exitCode, undefined, UNKNOWN_EXIT.reason);
    }
  }

  private finish(live: Live, exitCode: number, signal?: string, reason?: string): void {
    const { record } = live;
    if (this.closed || record.status.state !== 'running') return;
    // A container ends with its main process, as when a pid namespace's init exits. Not when the pid
    // now belongs to another process: its group could be someone else's.
    if (live.child || processStartTicks(record.pid!) === undefined) signalGroup(record.pid!, 'SIGKILL');
    // Commands exec'd into the container die with it, as they would with its pid namespace.
    for (const pid of live.execs) signalGroup(pid, 'SIGKILL');
    live.tap?.stop();
    const oom = record.cgroup !== undefined && oomKilled(record.cgroup);
    if (record.cgroup) this.cgroups.remove(record.cgroup);
    const status: ContainerState = {
      state: 'exited',
      exitCode,
      ...(signal ? { signal } : {}),
      startedAt: record.status.startedAt,
      finishedAt: this.now().toISOString(),
      reason: reason ?? (oom ? 'OOMKilled' : exitCode === 0 ? 'Completed' : 'Error'),
    };
    live.record = { ...record, status };
    const key = keyOf(record.podUid, record.name);
    if (this.live.get(key) === live) this.records.write(key, storedForm(live.record));
    live.markExited();
    for (const listener of this.listeners) listener(statusOf(live.record));
  }

  /** A new attempt starts with an empty file; only the previous attempt's log is kept besides it. */
  private prepareLogs(logPath: string, attempt: number): void {
    mkdirSync(join(logPath, '..'), { recursive: true });
    writeFileSync(logPath, '');
    writeFileSync(indexPath(logPath), '');
    const stale = join(logPath, '..', `${attempt - 2}.log`);
    for (let i = 0; i < this.logFiles; i++) {
      const p = i === 0 ? stale : rotatedPath(stale, i);
      for (const f of [p, indexPath(p)]) if (existsSync(f)) rmSync(f, { force: true });
    }
  }
}

function keyOf(podUid: string, name: string): string {
  return `${podUid}_${name}`;
}

function sandboxOf({ uid, ip, logDir, terminationGracePeriodSeconds }: PodSandbox): PodSandbox {
  return { uid, ip, logDir, ...(terminationGracePeriodSeconds !== undefined ? { terminationGracePeriodSeconds } : {}) };
}

function statusOf(r: ContainerRecord): ContainerStatus {
  return { podUid: r.podUid, name: r.name, attempt: r.attempt, status: r.status };
}

function oomKilled(cgroup: string): boolean {
  try {
    const m = /^oom_kill (\d+)$/m.exec(readFileSync(join(cgroup, 'memory.events'), 'utf8'));
    return m !== null && Number(m[1]) > 0;
  } catch {
    return false;
  }
}
