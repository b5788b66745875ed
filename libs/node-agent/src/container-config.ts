import type { ContainerSecurity, ContainerSpec, Mount } from '@logbook/runtime';

/** A container spec the node will not run (kube's CreateContainerConfigError). */
export class ContainerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContainerConfigError';
  }
}

export interface ContainerConfigInputs {
  readonly podUid: string;
  readonly env: Record<string, string>;
  readonly mounts: readonly Mount[];
  /** The image as pulled (its digest reference when known): what the runtime creates from. */
  readonly image?: string;
  readonly allowPrivileged: boolean;
  readonly nodeName: string;
}

/**
 * The runtime's container spec from the pod's: command and args, limits and requests, the
 * security context with the pod's defaults applied (container fields win), stdio and mounts.
 */
export function containerSpec(pod: any, c: any, inputs: ContainerConfigInputs): ContainerSpec {
  const security = effectiveSecurity(pod.spec?.securityContext, c.securityContext);
  if (security.privileged && !inputs.allowPrivileged) {
    throw new ContainerConfigError(`container ${c.name} is privileged, which node ${inputs.nodeName} does not allow (start its node agent with --allow-privileged)`);
  }
  return {
    podUid: inputs.podUid,
    name: c.name,
    image: inputs.image ?? c.image ?? '',
    command: c.command ?? [],
    args: c.args ?? [],
    ...(c.workingDir ? { workingDir: c.workingDir } : {}),
    env: inputs.env,
    ...(c.resources?.limits ? { limits: stringValues(c.resources.limits) } : {}),
    ...(c.resources?.requests ? { requests: stringValues(c.resources.requests) } : {}),
    mounts: inputs.mounts,
    securityContext: security,
    ...(c.stdin ? { stdin: true } : {}),
    ...(c.stdinOnce ? { stdinOnce: true } : {}),
    ...(c.tty ? { tty: true } : {}),
    ...(c.terminationMessagePath ? { terminationMessagePath: c.terminationMessagePath } : {}),
    labels: pod.metadata?.labels ?? {},
  };
}

/** The pod's runAs*, supplementalGroups and runAsNonRoot are defaults for every container. */
export function effectiveSecurity(podSc: any, sc: any): ContainerSecurity {
  const p = podSc ?? {};
  const c = sc ?? {};
  const pick = <T>(a: T | undefined, b: T | undefined) => (a !== undefined ? a : b);
  const out: Record<string, unknown> = {
    runAsUser: pick(c.runAsUser, p.runAsUser),
    runAsGroup: pick(c.runAsGroup, p.runAsGroup),
    runAsNonRoot: pick(c.runAsNonRoot, p.runAsNonRoot),
    supplementalGroups: p.supplementalGroups,
    readOnlyRootFilesystem: c.readOnlyRootFilesystem,
    privileged: c.privileged,
    allowPrivilegeEscalation: c.allowPrivilegeEscalation,
    capabilities: c.capabilities,
  };
  for (const k of Object.keys(out)) if (out[k] === undefined || out[k] === null) delete out[k];
  return out as ContainerSecurity;
}

function stringValues(o: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, String(v)]));
}
