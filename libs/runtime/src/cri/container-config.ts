import { intValue, milliValue } from '@logbook/scheduling';
import type { ContainerSpec, Mount } from '../container-runtime.port';
import { RuntimeError } from '../container-runtime.port';
import type { ContainerConfig, CriImage, CriMount, LinuxContainerResources, PodSandboxConfig } from './cri-types';
import { CONTAINER_NAME, IMAGE, NODE, POD_NAME, POD_NAMESPACE, POD_UID, RESTART_COUNT, TERMINATION_LOG } from './cri-labels';
import { POD_NAMESPACES } from './sandbox-config';

const CPU_PERIOD_US = 100_000;
const MIN_CPU_SHARES = 2; // the kernel's minimum weight: what a container without a CPU request gets
const MIN_CPU_QUOTA_US = 1_000;

/**
 * CFS values the way the kubelet derives them: shares from the request (a limit stands in for
 * a missing request, as API defaulting would make it), quota from the limit over a 100 ms period.
 */
export function linuxResources(spec: Pick<ContainerSpec, 'limits' | 'requests'>): LinuxContainerResources {
  const cpuRequest = spec.requests?.cpu ?? spec.limits?.cpu;
  const shares = cpuRequest === undefined ? MIN_CPU_SHARES : Math.max(MIN_CPU_SHARES, Math.floor((milliValue(cpuRequest) * 1024) / 1000));
  const resources: LinuxContainerResources = { cpuShares: String(shares) };
  if (spec.limits?.cpu !== undefined) {
    resources.cpuPeriod = String(CPU_PERIOD_US);
    resources.cpuQuota = String(Math.max(MIN_CPU_QUOTA_US, Math.floor((milliValue(spec.limits.cpu) * CPU_PERIOD_US) / 1000)));
  }
  if (spec.limits?.memory !== undefined) resources.memoryLimitInBytes = String(intValue(spec.limits.memory));
  return resources;
}

const PROPAGATION = { private: 'PROPAGATION_PRIVATE', rslave: 'PROPAGATION_HOST_TO_CONTAINER', rshared: 'PROPAGATION_BIDIRECTIONAL' } as const;

export function criMount(m: Mount): CriMount {
  return { containerPath: m.containerPath, hostPath: m.hostPath, readonly: m.readOnly === true, propagation: PROPAGATION[m.propagation ?? 'private'] };
}

/**
 * runAsNonRoot is the kubelet's check, not the runtime's: made before create, against the
 * runAsUser asked for or else the image's USER (a name cannot be verified without the image's /etc/passwd).
 */
export function verifyNonRoot(spec: ContainerSpec, image: CriImage | undefined, pod: string): void {
  const sc = spec.securityContext;
  if (!sc?.runAsNonRoot) return;
  const where = `(pod: "${pod}", container: ${spec.name})`;
  if (sc.runAsUser !== undefined) {
    if (sc.runAsUser === 0) throw new RuntimeError('CreateContainerConfigError', `container's runAsUser breaks non-root policy ${where}`);
    return;
  }
  const name = image?.username ?? '';
  if (name !== '' && !/^\d+$/.test(name)) {
    throw new RuntimeError('CreateContainerConfigError', `container has runAsNonRoot and image has non-numeric user (${name}), cannot verify user is non-root ${where}`);
  }
  const uid = image?.uid ? Number(image.uid.value) : name !== '' ? Number(name) : 0;
  if (uid === 0) throw new RuntimeError('CreateContainerConfigError', `container has runAsNonRoot and image will run as root ${where}`);
}

export interface ContainerContext {
  readonly attempt: number;
  readonly sandbox: PodSandboxConfig;
  readonly nodeName: string;
  /** Host file bound at the container's terminationMessagePath. */
  readonly terminationLog?: string;
  /** The pod's hosts file, bound at /etc/hosts unless a mount of the spec takes that path. */
  readonly etcHosts?: string;
}

/** The CRI config of one attempt of a container (pure). */
export function containerConfig(spec: ContainerSpec, ctx: ContainerContext): ContainerConfig {
  // The node agent has applied the pod's runAs* defaults; the pod's groups (and fsGroup) are on the
  // sandbox, and every container gets them as the kubelet does.
  const sc = spec.securityContext ?? {};
  const runAsUser = sc.runAsUser;
  const runAsGroup = sc.runAsGroup;
  const podGroups = ctx.sandbox.linux?.securityContext?.supplementalGroups ?? [];
  const groups = [...new Set([...(sc.supplementalGroups ?? []).map(String), ...podGroups])];
  const terminationPath = spec.terminationMessagePath ?? '/dev/termination-log';
  const mounts = (spec.mounts ?? []).map(criMount);
  if (ctx.terminationLog && !mounts.some((m) => m.containerPath === terminationPath)) {
    mounts.push({ containerPath: terminationPath, hostPath: ctx.terminationLog, readonly: false, propagation: 'PROPAGATION_PRIVATE' });
  }
  if (ctx.etcHosts && !mounts.some((m) => m.containerPath === '/etc/hosts')) {
    mounts.push({ containerPath: '/etc/hosts', hostPath: ctx.etcHosts, readonly: false, propagation: 'PROPAGATION_PRIVATE' });
  }
  const meta = ctx.sandbox.metadata;
  return {
    metadata: { name: spec.name, attempt: ctx.attempt },
    image: { image: spec.image },
    command: [...spec.command],
    args: [...spec.args],
    ...(spec.workingDir ? { workingDir: spec.workingDir } : {}),
    envs: Object.entries(spec.env).map(([key, value]) => ({ key, value })),
    mounts,
    labels: { ...spec.labels, [POD_UID]: meta.uid, [POD_NAME]: meta.name, [POD_NAMESPACE]: meta.namespace, [CONTAINER_NAME]: spec.name, [NODE]: ctx.nodeName },
    annotations: {
      [RESTART_COUNT]: String(ctx.attempt),
      [IMAGE]: spec.image,
      ...(ctx.terminationLog ? { [TERMINATION_LOG]: ctx.terminationLog } : {}),
    },
    logPath: `${spec.name}/${ctx.attempt}.log`,
    stdin: spec.stdin === true,
    stdinOnce: spec.stdinOnce === true,
    tty: spec.tty === true,
    linux: {
      resources: linuxResources(spec),
      securityContext: {
        privileged: sc.privileged === true,
        namespaceOptions: POD_NAMESPACES,
        ...(runAsUser !== undefined ? { runAsUser: { value: String(runAsUser) } } : {}),
        ...(runAsGroup !== undefined ? { runAsGroup: { value: String(runAsGroup) } } : {}),
        readonlyRootfs: sc.readOnlyRootFilesystem === true,
        supplementalGroups: groups,
        // allowPrivilegeEscalation defaults to true in Kubernetes; false sets no_new_privs.
        noNewPrivs: sc.allowPrivilegeEscalation === false,
        ...(sc.capabilities ? { capabilities: { addCapabilities: capabilityNames(sc.capabilities.add), dropCapabilities: capabilityNames(sc.capabilities.drop) } } : {}),
      },
    },
  };
}

/** Names as Kubernetes writes them (NET_ADMIN, ALL): containerd adds the CAP_ prefix itself, as the kubelet expects. */
function capabilityNames(names: readonly string[] | undefined): string[] {
  return [...(names ?? [])];
}
