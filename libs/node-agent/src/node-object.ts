import * as os from 'node:os';
import type { KubeObject } from '@logbook/kube';
import { kubeTime } from './time';
import { STREAMING_PORT_ANNOTATION, VOLUMES_DIR_ANNOTATION } from '@logbook/kube';

export const NODE_AGENT_VERSION = 'v1.32.0-logbook';
/** A node condition saying whether containers' resource limits are enforced (cgroup v2) or only recorded. */
export const LIMITS_CONDITION = 'ResourceLimitsEnforced';

export interface NodeInfo {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  /** The authenticated streaming port (exec, port-forward), when the agent serves one. */
  readonly streamingPort?: number;
  readonly cpu: string;
  readonly memory: string;
  readonly pods: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly limitsEnforced: boolean;
  readonly limitsReason?: string;
  /** `containerd://1.6.20` or `process://…`: what runs the pods (nodeInfo.containerRuntimeVersion). */
  readonly runtimeVersion?: string;
  /** Where this node keeps local-path PersistentVolumes (the provisioner reads the annotation). */
  readonly volumesDir?: string;
}

/** The Node annotation that tells the local-path provisioner where this node keeps volume data. */
export { VOLUMES_DIR_ANNOTATION };

/** This machine's defaults: every CPU, all memory, 110 pods (the kubelet's default). */
export function machineCapacity(): { cpu: string; memory: string; pods: number } {
  return { cpu: String(os.cpus().length), memory: `${Math.floor(os.totalmem() / 1024)}Ki`, pods: 110 };
}

export function agentNodeObject(info: NodeInfo): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: info.name,
      ...(info.streamingPort || info.volumesDir
        ? { annotations: { ...(info.streamingPort ? { [STREAMING_PORT_ANNOTATION]: String(info.streamingPort) } : {}), ...(info.volumesDir ? { [VOLUMES_DIR_ANNOTATION]: info.volumesDir } : {}) } }
        : {}),
      labels: { 'kubernetes.io/hostname': info.name, 'kubernetes.io/os': os.platform() === 'win32' ? 'windows' : 'linux', 'kubernetes.io/arch': goArch(), ...info.labels },
    },
    spec: {},
  };
}

/** The node's full status as posted at registration; heartbeats then renew its conditions. */
export function agentNodeStatus(info: NodeInfo, now: Date, previous?: any): any {
  const resources = { cpu: info.cpu, memory: info.memory, pods: String(info.pods) };
  return {
    ...previous,
    capacity: resources,
    allocatable: { ...resources },
    conditions: nodeConditions(info, previous?.conditions, now),
    addresses: [
      { type: 'InternalIP', address: info.address },
      { type: 'Hostname', address: info.name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: info.port } },
    nodeInfo: {
      machineID: readMachineId(),
      systemUUID: readMachineId(),
      bootID: String(Math.round(Date.now() / 1000 - os.uptime())),
      kernelVersion: os.release(),
      osImage: `${os.type()} ${os.release()}`,
      containerRuntimeVersion: info.runtimeVersion ?? 'process://1',
      kubeletVersion: NODE_AGENT_VERSION,
      kubeProxyVersion: NODE_AGENT_VERSION,
      operatingSystem: os.platform() === 'win32' ? 'windows' : 'linux',
      architecture: goArch(),
    },
  };
}

/** Every condition re-asserted with lastHeartbeatTime renewed: the node lifecycle controller reads Ready. */
export function nodeConditions(info: Pick<NodeInfo, 'limitsEnforced' | 'limitsReason'>, previous: any[] | undefined, now: Date): any[] {
  const at = kubeTime(now);
  const want = [
    { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
    { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
    { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
    { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'node agent is posting ready status' },
    info.limitsEnforced
      ? { type: LIMITS_CONDITION, status: 'True', reason: 'CgroupV2', message: 'container cpu and memory limits are enforced with cgroup v2' }
      : { type: LIMITS_CONDITION, status: 'False', reason: 'NotEnforced', message: `container limits are recorded, not enforced${info.limitsReason ? `: ${info.limitsReason}` : ''}` },
  ];
  const ours = want.map((w) => {
    const before = previous?.find((c) => c.type === w.type);
    const lastTransitionTime = before && before.status === w.status && before.lastTransitionTime ? before.lastTransitionTime : at;
    return { ...w, lastHeartbeatTime: at, lastTransitionTime };
  });
  return [...ours, ...(previous ?? []).filter((c) => !want.some((w) => w.type === c.type))];
}

function goArch(): string {
  const arch = os.arch();
  return arch === 'x64' ? 'amd64' : arch === 'ia32' ? '386' : arch;
}

function readMachineId(): string {
  try {
    return require('node:fs').readFileSync('/etc/machine-id', 'utf8').trim();
  } catch {
    return os.hostname();
  }
}
