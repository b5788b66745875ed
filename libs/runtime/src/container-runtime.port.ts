/**
 * The container runtime port (CRI-shaped, small): the node agent asks for a pod sandbox (its IP
 * and log directory) and for containers in it, and reads back what runs. The process runtime
 * runs containers as OS processes of this machine; a Docker/containerd runtime can implement the
 * same port where an engine exists.
 */
export interface PodSandboxSpec {
  readonly uid: string; // pod uid: the sandbox's identity across agent restarts
  readonly namespace: string;
  readonly name: string;
  /** How long the pod's processes get between SIGTERM and SIGKILL when stopped without the agent (`logbook down`). */
  readonly terminationGracePeriodSeconds?: number;
}

export interface PodSandbox {
  readonly uid: string;
  /** The pod's own IP (loopback range for the process runtime); its containers share it. */
  readonly ip: string;
  readonly logDir: string;
  readonly terminationGracePeriodSeconds?: number;
}

export interface ContainerSpec {
  readonly podUid: string;
  readonly name: string;
  readonly image: string; // recorded; the process runtime cannot pull images
  readonly command: readonly string[];
  readonly args: readonly string[];
  readonly workingDir?: string;
  readonly env: Readonly<Record<string, string>>;
  /** Limits as the API states them (e.g. { cpu: '500m', memory: '128Mi' }). */
  readonly limits?: Readonly<Record<string, string>>;
}

export type ContainerState =
  | { readonly state: 'running'; readonly pid: number; readonly startedAt: string }
  | { readonly state: 'exited'; readonly exitCode: number; readonly signal?: string; readonly startedAt: string; readonly finishedAt: string; readonly reason: string };

export interface ContainerStatus {
  readonly podUid: string;
  readonly name: string;
  /** Increments with every start of this container in this sandbox (attempt number). */
  readonly attempt: number;
  readonly status: ContainerState;
}

/** A running container's usage, read at one moment (kubelet's Summary API turns two into rates). */
export interface ContainerStats {
  readonly podUid: string;
  readonly name: string;
  /** CPU time used by the container's processes so far, in seconds. */
  readonly cpuSeconds: number;
  /** Memory the container holds, in bytes (the process runtime reads resident set sizes). */
  readonly memoryWorkingSetBytes: number;
}

export interface LogOptions {
  readonly follow?: boolean;
  readonly tailLines?: number;
  readonly sinceSeconds?: number;
  readonly timestamps?: boolean;
  /** The previous attempt's log (kubectl logs --previous). */
  readonly previous?: boolean;
  readonly limitBytes?: number;
}

/** A command started beside a container with its stdio piped (kubectl exec). */
export interface ExecProcess {
  /** Present when asked for (kubectl exec -i); end() it to close the command's stdin. */
  readonly stdin?: NodeJS.WritableStream;
  readonly stdout: NodeJS.ReadableStream;
  readonly stderr: NodeJS.ReadableStream;
  /** The exit code once the command ended (128 + n when signal n killed it). */
  readonly exited: Promise<number>;
  /** Kills the command's whole process group (the client went away). */
  kill(): void;
  /** With a terminal: sets its size (the command gets SIGWINCH). */
  resize?(size: TerminalSize): void;
}

export interface TerminalSize {
  readonly cols: number;
  readonly rows: number;
}

export interface ExecStreamOptions {
  readonly stdin: boolean;
  /** Run on a pseudo-terminal of this size (kubectl exec -t): stdout carries stderr too, stdin is raw. */
  readonly tty?: TerminalSize;
}

export interface ContainerRuntime {
  /** Creates (or finds again, after an agent restart) the sandbox of a pod. */
  runPodSandbox(spec: PodSandboxSpec): Promise<PodSandbox>;
  /** Stops the sandbox's containers and frees its IP; its logs stay until removeSandbox. */
  removePodSandbox(uid: string): Promise<void>;
  /** Starts a new attempt of a container (the previous one must have exited). */
  startContainer(spec: ContainerSpec): Promise<ContainerStatus>;
  /** SIGTERM, then SIGKILL after the grace period; resolves once the process is gone. */
  stopContainer(podUid: string, name: string, gracePeriodSeconds: number): Promise<void>;
  /** Everything this runtime runs or ran, including what it adopted from a previous agent run. */
  listContainers(): Promise<ContainerStatus[]>;
  listSandboxes(): Promise<PodSandbox[]>;
  /** Called whenever a container exits, so the agent reacts without polling. */
  onExit(listener: (status: ContainerStatus) => void): () => void;
  /** The container's log as a stream of lines (ends unless follow). */
  logs(podUid: string, name: string, options: LogOptions): AsyncIterable<string>;
  /** Usage of every running container (`kubectl top`); optional for runtimes that cannot tell. */
  stats?(): Promise<ContainerStats[]>;
  /** Runs a command in the container's context (exec probes); resolves with its exit code. */
  exec(podUid: string, name: string, command: readonly string[], timeoutMs: number): Promise<{ exitCode: number; output: string }>;
  /** Starts a command in a running container's context with its stdio piped; it is killed when the container stops. */
  execStream(podUid: string, name: string, command: readonly string[], options: ExecStreamOptions): Promise<ExecProcess>;
  close(): Promise<void>;
}

export class RuntimeError extends Error {
  constructor(
    readonly reason: string, // e.g. 'InvalidCommand', 'StartError', 'NoAddress'
    message: string,
  ) {
    super(message);
    this.name = 'RuntimeError';
  }
}
