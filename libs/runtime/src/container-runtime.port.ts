/**
 * The container runtime port (CRI-shaped, small): the node agent asks for a pod sandbox (its IP
 * and log directory) and for containers in it, and reads back what runs. Two adapters implement
 * it under one contract suite: the process runtime (containers as OS processes of this machine)
 * and the CRI runtime (CRI runtime.v1 over a containerd socket: images, sandboxes with their
 * own network namespace, real isolation). See docs/architecture.md "Container runtimes".
 */
export interface PodSandboxSpec {
  readonly uid: string; // pod uid: the sandbox's identity across agent restarts
  readonly namespace: string;
  readonly name: string;
  /** How long the pod's processes get between SIGTERM and SIGKILL when stopped without the agent (`logbook down`). */
  readonly terminationGracePeriodSeconds?: number;
  /** The pod's hostname (default: its name); `subdomain` makes the FQDN as Kubernetes does. */
  readonly hostname?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  /** /etc/resolv.conf of the pod; absent: the node's. */
  readonly dns?: { readonly servers: readonly string[]; readonly searches: readonly string[]; readonly options: readonly string[] };
  /** hostPort mappings of the pod's containers (CNI portmap). */
  readonly portMappings?: readonly PortMapping[];
  /** Extra /etc/hosts lines (spec.hostAliases). */
  readonly hostAliases?: readonly { readonly ip: string; readonly hostnames: readonly string[] }[];
  /** Pod-level security: fsGroup, sysctls, supplemental groups; runAs* act as container defaults. */
  readonly securityContext?: PodSecurity;
  /** Some container of the pod is privileged: CRI runtimes refuse one in a sandbox not made privileged. */
  readonly privileged?: boolean;
}

export interface PortMapping {
  readonly containerPort: number;
  readonly hostPort: number;
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
  readonly hostIP?: string;
}

export interface PodSecurity {
  readonly runAsUser?: number;
  readonly runAsGroup?: number;
  readonly supplementalGroups?: readonly number[];
  readonly fsGroup?: number;
}

/** What a container runs as (spec.containers[].securityContext, pod defaults already applied). */
export interface ContainerSecurity {
  readonly runAsUser?: number;
  readonly runAsGroup?: number;
  readonly runAsNonRoot?: boolean;
  readonly supplementalGroups?: readonly number[];
  readonly readOnlyRootFilesystem?: boolean;
  readonly privileged?: boolean;
  readonly allowPrivilegeEscalation?: boolean;
  readonly capabilities?: { readonly add?: readonly string[]; readonly drop?: readonly string[] };
}

/** A host directory or file (a volume the node agent prepared) bound into a container. */
export interface Mount {
  readonly containerPath: string;
  readonly hostPath: string;
  readonly readOnly?: boolean;
  /** Bidirectional/HostToContainer mount propagation; default private. */
  readonly propagation?: 'private' | 'rslave' | 'rshared';
}

/** Credentials for one registry, as a dockerconfigjson entry gives them. */
export interface RegistryAuth {
  readonly username?: string;
  readonly password?: string;
  readonly auth?: string; // base64 user:password
  readonly serverAddress?: string;
}

export interface ImageInfo {
  /** The image's id (config digest, `sha256:…`): what a container status reports as imageID. */
  readonly id: string;
  readonly repoTags: readonly string[];
  readonly repoDigests: readonly string[];
  readonly sizeBytes: number;
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
  readonly image: string; // the process runtime records it; the CRI runtime runs it (pull first)
  /** Entrypoint override (spec.command); empty: the image's ENTRYPOINT (the process runtime needs one). */
  readonly command: readonly string[];
  /** Arguments override (spec.args); empty: the image's CMD when command is empty too. */
  readonly args: readonly string[];
  readonly workingDir?: string;
  readonly env: Readonly<Record<string, string>>;
  /** Limits as the API states them (e.g. { cpu: '500m', memory: '128Mi' }). */
  readonly limits?: Readonly<Record<string, string>>;
  /** Requests as the API states them (CPU shares come from the CPU request). */
  readonly requests?: Readonly<Record<string, string>>;
  readonly mounts?: readonly Mount[];
  readonly securityContext?: ContainerSecurity;
  /** spec.containers[].stdin / stdinOnce / tty: kept open for kubectl attach. */
  readonly stdin?: boolean;
  readonly stdinOnce?: boolean;
  readonly tty?: boolean;
  /** Where the container writes its termination message (default /dev/termination-log). */
  readonly terminationMessagePath?: string;
  /** Pod labels and annotations, carried on the container for `crictl ps` style listings. */
  readonly labels?: Readonly<Record<string, string>>;
}

export type ContainerState =
  | { readonly state: 'running'; readonly pid: number; readonly startedAt: string }
  | {
      readonly state: 'exited';
      readonly exitCode: number;
      readonly signal?: string;
      readonly startedAt: string;
      readonly finishedAt: string;
      /** Completed, Error, OOMKilled, ContainerCannotRun… */
      readonly reason: string;
      /** The termination message the container left in its terminationMessagePath. */
      readonly message?: string;
    };

export interface ContainerStatus {
  readonly podUid: string;
  readonly name: string;
  /** Increments with every start of this container in this sandbox (attempt number). */
  readonly attempt: number;
  readonly status: ContainerState;
  /** The runtime's id for this attempt, as containerStatuses[].containerID shows it (`containerd://…`). */
  readonly containerID?: string;
  /** The image as run and its digest (`docker.io/library/busybox@sha256:…`): containerStatuses[].imageID. */
  readonly image?: string;
  readonly imageID?: string;
  /** The termination message the container left (exited containers only). */
  readonly message?: string;
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

/** What a runtime can do; the node agent reports it and refuses what the runtime cannot run. */
export interface RuntimeCapabilities {
  /** `process` or `containerd`; the Node's nodeInfo.containerRuntimeVersion starts with it. */
  readonly name?: string;
  readonly version?: string;
  readonly limitsEnforced: boolean;
  readonly reason?: string;
  /** Pulls and runs images (false: `image` is recorded only, `command` is required). */
  readonly images?: boolean;
  /** Binds volume mounts into containers (false: pods with volumeMounts are refused). */
  readonly mounts?: boolean;
}

/** The image service half of CRI: implemented by runtimes whose capabilities say `images`. */
export interface ImageService {
  /** Pulls the image; resolves with its id. Throws RuntimeError('ErrImagePull', the registry's message). */
  pullImage(image: string, auth?: RegistryAuth): Promise<ImageInfo>;
  /** The image if present on this node. */
  imageStatus(image: string): Promise<ImageInfo | undefined>;
  listImages(): Promise<ImageInfo[]>;
  removeImage(image: string): Promise<void>;
}

export interface ContainerRuntime {
  capabilities?(): RuntimeCapabilities;
  /** Present when the runtime runs images (the CRI runtime). */
  readonly images?: ImageService;
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
  /** Joins the container's own stdio (kubectl attach); `exited` resolves when the client detaches or the container ends. */
  attach?(podUid: string, name: string, options: ExecStreamOptions): Promise<ExecProcess>;
  /** A TCP connection to a port inside the pod's network namespace (kubectl port-forward). */
  portForward?(podUid: string, port: number): Promise<import('node:stream').Duplex>;
  /** Stops the runtime's client side; containers keep running (a restarted agent adopts them). */
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
