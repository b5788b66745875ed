import { join } from 'node:path';
import type { PodSandboxSpec } from '../container-runtime.port';
import type { NamespaceOption, PodSandboxConfig } from './cri-types';
import { GRACE_PERIOD, NODE, POD_NAME, POD_NAMESPACE, POD_UID } from './cri-labels';

/** The namespaces a Kubernetes pod's containers get: network and IPC shared, PID their own (shareProcessNamespace off). */
export const POD_NAMESPACES: NamespaceOption = { network: 'POD', pid: 'CONTAINER', ipc: 'POD' };

export interface SandboxContext {
  readonly logDir: string;
  readonly nodeName: string;
  readonly cgroupParent?: string;
}

/** `<logDir>/<namespace>_<name>_<uid>`, the kubelet's /var/log/pods layout. */
export function podLogDir(logDir: string, spec: Pick<PodSandboxSpec, 'namespace' | 'name' | 'uid'>): string {
  return join(logDir, `${spec.namespace}_${spec.name}_${spec.uid}`);
}

/** The CRI config of a pod's sandbox (pure). */
export function sandboxConfig(spec: PodSandboxSpec, attempt: number, ctx: SandboxContext): PodSandboxConfig {
  const security = spec.securityContext;
  return {
    metadata: { name: spec.name, uid: spec.uid, namespace: spec.namespace, attempt },
    hostname: spec.hostname ?? spec.name,
    logDirectory: podLogDir(ctx.logDir, spec),
    ...(spec.dns ? { dnsConfig: { servers: [...spec.dns.servers], searches: [...spec.dns.searches], options: [...spec.dns.options] } } : {}),
    portMappings: (spec.portMappings ?? []).map((p) => ({ protocol: p.protocol, containerPort: p.containerPort, hostPort: p.hostPort, hostIp: p.hostIP ?? '' })),
    labels: { ...spec.labels, [POD_UID]: spec.uid, [POD_NAME]: spec.name, [POD_NAMESPACE]: spec.namespace, [NODE]: ctx.nodeName },
    annotations: {
      ...spec.annotations,
      ...(spec.terminationGracePeriodSeconds !== undefined ? { [GRACE_PERIOD]: String(spec.terminationGracePeriodSeconds) } : {}),
    },
    linux: {
      // cgroupfs syntax, one cgroup per pod under the node's parent, as the kubelet lays them out.
      cgroupParent: ctx.cgroupParent ? `${ctx.cgroupParent}/pod${spec.uid}` : '',
      securityContext: {
        namespaceOptions: POD_NAMESPACES,
        privileged: spec.privileged === true,
        supplementalGroups: [...(security?.supplementalGroups ?? []), ...(security?.fsGroup !== undefined ? [security.fsGroup] : [])].map(String),
      },
    },
  };
}
