/**
 * The CRI messages as @grpc/proto-loader hands them to us (camelCase fields, enums as their
 * names, 64-bit integers as decimal strings: nanosecond timestamps do not fit a double). Only
 * the fields the adapter reads or writes; see proto/runtime-v1.proto.
 */
export type Labels = Record<string, string>;

export interface PodSandboxMetadata {
  name: string;
  uid: string;
  namespace: string;
  attempt: number;
}

export interface PodSandboxConfig {
  metadata: PodSandboxMetadata;
  hostname?: string;
  logDirectory: string;
  dnsConfig?: { servers: string[]; searches: string[]; options: string[] };
  portMappings?: { protocol: 'TCP' | 'UDP' | 'SCTP'; containerPort: number; hostPort: number; hostIp: string }[];
  labels: Labels;
  annotations: Labels;
  linux?: {
    cgroupParent?: string;
    securityContext?: {
      namespaceOptions?: NamespaceOption;
      runAsUser?: { value: string };
      runAsGroup?: { value: string };
      supplementalGroups?: string[];
      privileged?: boolean;
    };
  };
}

export interface NamespaceOption {
  network: NamespaceMode;
  pid: NamespaceMode;
  ipc: NamespaceMode;
}
export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';

export type SandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';

export interface PodSandboxItem {
  id: string;
  metadata: PodSandboxMetadata;
  state: SandboxState;
  createdAt: string;
  labels: Labels;
  annotations: Labels;
}

export interface PodSandboxStatus extends PodSandboxItem {
  network?: { ip: string };
}

export interface KeyValue {
  key: string;
  value: string;
}

export interface CriMount {
  containerPath: string;
  hostPath: string;
  readonly: boolean;
  propagation: 'PROPAGATION_PRIVATE' | 'PROPAGATION_HOST_TO_CONTAINER' | 'PROPAGATION_BIDIRECTIONAL';
}

export interface LinuxContainerResources {
  cpuPeriod?: string;
  cpuQuota?: string;
  cpuShares?: string;
  memoryLimitInBytes?: string;
}

export interface LinuxContainerSecurityContext {
  capabilities?: { addCapabilities: string[]; dropCapabilities: string[] };
  privileged?: boolean;
  namespaceOptions?: NamespaceOption;
  runAsUser?: { value: string };
  runAsGroup?: { value: string };
  readonlyRootfs?: boolean;
  supplementalGroups?: string[];
  noNewPrivs?: boolean;
}

export interface ContainerConfig {
  metadata: { name: string; attempt: number };
  image: { image: string };
  command: string[];
  args: string[];
  workingDir?: string;
  envs: KeyValue[];
  mounts: CriMount[];
  labels: Labels;
  annotations: Labels;
  logPath: string;
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
  linux: { resources: LinuxContainerResources; securityContext: LinuxContainerSecurityContext };
}

export type CriContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';

export interface CriContainer {
  id: string;
  podSandboxId: string;
  metadata: { name: string; attempt: number };
  image?: { image: string };
  imageRef: string;
  state: CriContainerState;
  createdAt: string;
  labels: Labels;
  annotations: Labels;
}

export interface CriContainerStatus {
  id: string;
  metadata: { name: string; attempt: number };
  state: CriContainerState;
  createdAt: string;
  startedAt: string;
  finishedAt: string;
  exitCode: number;
  image?: { image: string };
  imageRef: string;
  reason: string;
  message: string;
  labels: Labels;
  annotations: Labels;
  logPath: string;
}

export interface CriImage {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  size: string;
  uid?: { value: string } | null;
  username: string;
}

export interface CriContainerStats {
  attributes: { id: string; metadata: { name: string; attempt: number }; labels: Labels; annotations: Labels };
  cpu?: { usageCoreNanoSeconds?: { value: string } | null } | null;
  memory?: { workingSetBytes?: { value: string } | null } | null;
}

export interface AuthConfig {
  username?: string;
  password?: string;
  auth?: string;
  serverAddress?: string;
}
