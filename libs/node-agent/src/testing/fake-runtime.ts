import type { ContainerRuntime, ContainerSpec, ExecProcess, ContainerStatus, LogOptions, PodSandbox, PodSandboxSpec } from '@logbook/runtime';
import { RuntimeError } from '@logbook/runtime';

/**
 * A ContainerRuntime without processes, for unit tests: containers "run" until the test makes
 * them exit (`exit`), every call is recorded, `execResult` scripts exec probes.
 */
export class FakeRuntime implements ContainerRuntime {
  readonly sandboxes = new Map<string, PodSandbox>();
  readonly containers = new Map<string, ContainerStatus>();
  readonly starts: ContainerSpec[] = [];
  readonly stops: { podUid: string; name: string; grace: number }[] = [];
  readonly removed: string[] = [];
  execResult = 0;
  private readonly listeners = new Set<(s: ContainerStatus) => void>();
  private nextIp = 1;
  private nextPid = 1000;
  /** The clock the fake's times come from. */
  now = () => new Date();

  async runPodSandbox(spec: PodSandboxSpec): Promise<PodSandbox> {
    let s = this.sandboxes.get(spec.uid);
    if (!s) this.sandboxes.set(spec.uid, (s = { uid: spec.uid, ip: `127.1.0.${this.nextIp++}`, logDir: `/tmp/fake/${spec.uid}` }));
    return s;
  }

  async removePodSandbox(uid: string): Promise<void> {
    this.removed.push(uid);
    this.sandboxes.delete(uid);
  }

  async startContainer(spec: ContainerSpec): Promise<ContainerStatus> {
    this.starts.push(spec);
    if (spec.command.length === 0) throw new RuntimeError('InvalidCommand', `container ${spec.name} has no command: this runtime cannot run image entrypoints`);
    const key = `${spec.podUid}/${spec.name}`;
    const attempt = (this.containers.get(key)?.attempt ?? 0) + 1;
    const status: ContainerStatus = { podUid: spec.podUid, name: spec.name, attempt, status: { state: 'running', pid: this.nextPid++, startedAt: this.now().toISOString() } };
    this.containers.set(key, status);
    return status;
  }

  async stopContainer(podUid: string, name: string, gracePeriodSeconds: number): Promise<void> {
    this.stops.push({ podUid, name, grace: gracePeriodSeconds });
    const c = this.containers.get(`${podUid}/${name}`);
    if (c?.status.state === 'running') this.exit(podUid, name, 137, 'SIGTERM');
  }

  /** The container's process ends (a crash, a kill from outside, a job finishing). */
  exit(podUid: string, name: string, exitCode: number, signal?: string): ContainerStatus {
    const key = `${podUid}/${name}`;
    const c = this.containers.get(key);
    if (!c || c.status.state !== 'running') throw new Error(`${key} is not running`);
    const exited: ContainerStatus = {
      ...c,
      status: { state: 'exited', exitCode, startedAt: c.status.startedAt, finishedAt: this.now().toISOString(), reason: exitCode === 0 ? 'Completed' : 'Error', ...(signal ? { signal } : {}) },
    };
    this.containers.set(key, exited);
    for (const l of this.listeners) l(exited);
    return exited;
  }

  async listContainers(): Promise<ContainerStatus[]> {
    return [...this.containers.values()];
  }

  async listSandboxes(): Promise<PodSandbox[]> {
    return [...this.sandboxes.values()];
  }

  onExit(listener: (status: ContainerStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async *logs(podUid: string, name: string, _options: LogOptions): AsyncIterable<string> {
    yield `log of ${podUid}/${name}`;
  }

  async exec(): Promise<{ exitCode: number; output: string }> {
    return { exitCode: this.execResult, output: '' };
  }

  async execStream(): Promise<ExecProcess> {
    throw new RuntimeError('ExecError', 'the fake runtime runs no processes');
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
