import { readFileSync } from 'node:fs';
import type { KubeObject } from '@logbook/kube';
import type { PodSandboxSpec, PortMapping } from '@logbook/runtime';

/** The node's resolver (dnsPolicy Default, and ClusterFirst until cluster DNS exists). */
export interface ResolverConfig {
  readonly servers: readonly string[];
  readonly searches: readonly string[];
  readonly options: readonly string[];
}

export function readResolvConf(path = '/etc/resolv.conf'): ResolverConfig {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    // no resolver: pods get none either
  }
  const servers: string[] = [];
  const searches: string[] = [];
  const options: string[] = [];
  for (const line of text.split('\n')) {
    const [word, ...rest] = line.trim().split(/\s+/);
    if (word === 'nameserver' && rest[0]) servers.push(rest[0]);
    else if (word === 'search' || word === 'domain') searches.push(...rest);
    else if (word === 'options') options.push(...rest);
  }
  return { servers, searches, options };
}

/**
 * The pod's sandbox as the kubelet asks for it: hostname (spec.hostname, else the pod name,
 * cut to 63 characters), DNS per dnsPolicy and dnsConfig, hostPort mappings, host aliases.
 * Cluster DNS is not served yet, so ClusterFirst resolves through the node's resolver (docs/architecture.md).
 */
export function sandboxSpec(pod: KubeObject, node: ResolverConfig, graceSeconds: number, allowPrivileged = false): PodSandboxSpec {
  const spec = pod.spec ?? {};
  const hostname = String(spec.hostname ?? pod.metadata.name).slice(0, 63).replace(/[-.]+$/, '');
  return {
    uid: pod.metadata.uid!,
    namespace: pod.metadata.namespace!,
    name: pod.metadata.name!,
    terminationGracePeriodSeconds: graceSeconds,
    hostname,
    labels: pod.metadata.labels ?? {},
    annotations: pod.metadata.annotations ?? {},
    dns: podDns(spec.dnsPolicy, spec.dnsConfig, node),
    portMappings: portMappings(spec),
    hostAliases: (spec.hostAliases ?? []).map((a: any) => ({ ip: a.ip, hostnames: a.hostnames ?? [] })),
    // containerd runs a privileged container only in a privileged sandbox (the node agent
    // refuses privileged containers before this unless the node allows them).
    ...(allowPrivileged && [...(spec.initContainers ?? []), ...(spec.containers ?? [])].some((c: any) => c.securityContext?.privileged) ? { privileged: true } : {}),
    securityContext: {
      ...(spec.securityContext?.runAsUser !== undefined ? { runAsUser: spec.securityContext.runAsUser } : {}),
      ...(spec.securityContext?.runAsGroup !== undefined ? { runAsGroup: spec.securityContext.runAsGroup } : {}),
      ...(spec.securityContext?.supplementalGroups ? { supplementalGroups: spec.securityContext.supplementalGroups } : {}),
      ...(spec.securityContext?.fsGroup !== undefined ? { fsGroup: spec.securityContext.fsGroup } : {}),
    },
  };
}

/** dnsPolicy None takes dnsConfig alone; the others start from the node's and append dnsConfig. */
export function podDns(policy: string | undefined, config: any, node: ResolverConfig): ResolverConfig {
  const base = policy === 'None' ? { servers: [], searches: [], options: [] } : node;
  const options = [...base.options];
  for (const o of config?.options ?? []) {
    const text = o.value !== undefined && o.value !== null ? `${o.name}:${o.value}` : o.name;
    const at = options.findIndex((x) => x.split(':')[0] === o.name);
    if (at >= 0) options[at] = text;
    else options.push(text);
  }
  return {
    // resolv.conf honours at most 3 nameservers and 32 search domains (the kubelet trims the same way).
    servers: unique([...base.servers, ...(config?.nameservers ?? [])]).slice(0, 3),
    searches: unique([...base.searches, ...(config?.searches ?? [])]).slice(0, 32),
    options,
  };
}

function portMappings(spec: any): PortMapping[] {
  const out: PortMapping[] = [];
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      out.push({ containerPort: p.containerPort, hostPort: p.hostPort, protocol: p.protocol ?? 'TCP', ...(p.hostIP ? { hostIP: p.hostIP } : {}) });
    }
  }
  return out;
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}
