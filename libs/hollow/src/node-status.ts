import { type KubeObject, VOLUMES_DIR_ANNOTATION } from '@logbook/kube';
import type { HollowNode } from './node-registry';
import { kubeTime } from './time';

export const HOLLOW_LABEL = 'node.logbook.io/hollow';
export const HOLLOW_KUBELET_VERSION = 'v1.32.0-logbook-hollow';
const READY_MESSAGE = 'hollow node is posting ready status';

export interface NodeCapacity {
  readonly cpu: string;
  readonly memory: string;
  readonly pods: number;
}

/** The Node object a hollow node registers (its status is written separately, via /status). */
export function hollowNodeObject(node: HollowNode, extraLabels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: node.name,
      labels: {
        'kubernetes.io/hostname': node.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        [HOLLOW_LABEL]: 'true',
        ...extraLabels,
      },
      // Local-path volumes of pods played here are provisioned as on any node: a PV names this
      // directory, which nothing creates (a hollow node runs no containers).
      annotations: { [VOLUMES_DIR_ANNOTATION]: `/var/lib/logbook-hollow/${node.name}/volumes` },
    },
    spec: {},
  };
}

/** A healthy node's full status, as a kubelet posts it. */
export function hollowNodeStatus(node: HollowNode, capacity: NodeCapacity, now: Date, previous?: any): any {
  const resources = { cpu: capacity.cpu, memory: capacity.memory, pods: String(capacity.pods) };
  return {
    ...previous,
    capacity: resources,
    allocatable: { ...resources },
    conditions: healthyConditions(previous?.conditions, now),
    addresses: [
      { type: 'InternalIP', address: node.address },
      { type: 'Hostname', address: node.name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: `hollow-${node.index}`,
      systemUUID: `hollow-${node.index}`,
      bootID: `hollow-${node.index}`,
      kernelVersion: 'hollow',
      osImage: 'Logbook hollow node',
      containerRuntimeVersion: 'hollow://0',
      kubeletVersion: HOLLOW_KUBELET_VERSION,
      kubeProxyVersion: HOLLOW_KUBELET_VERSION,
      operatingSystem: 'linux',
      architecture: 'amd64',
    },
  };
}

/**
 * A heartbeat: the node's current status with every condition re-asserted healthy and
 * lastHeartbeatTime renewed. Re-asserting (not only renewing) is what a kubelet does, so a node
 * the lifecycle controller marked Unknown becomes Ready again once it is heard from.
 */
export function withHeartbeat(current: KubeObject, now: Date): KubeObject {
  const status = structuredClone(current.status ?? {});
  status.conditions = healthyConditions(status.conditions, now);
  return { ...current, metadata: { ...current.metadata }, status };
}

const HEALTHY: readonly { type: string; status: string; reason: string; message: string }[] = [
  { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'hollow node has sufficient memory available' },
  { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'hollow node has no disk pressure' },
  { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'hollow node has sufficient PID available' },
  { type: 'Ready', status: 'True', reason: 'KubeletReady', message: READY_MESSAGE },
];

function healthyConditions(previous: any[] | undefined, now: Date): any[] {
  const at = kubeTime(now);
  const ours = HEALTHY.map((h) => {
    const before = previous?.find((c) => c.type === h.type);
    const lastTransitionTime = before && before.status === h.status && before.lastTransitionTime ? before.lastTransitionTime : at;
    return { ...h, lastHeartbeatTime: at, lastTransitionTime };
  });
  const others = (previous ?? []).filter((c) => !HEALTHY.some((h) => h.type === c.type));
  return [...ours, ...others];
}

export function readyCondition(node: KubeObject | undefined): any {
  return node?.status?.conditions?.find((c: any) => c.type === 'Ready');
}
