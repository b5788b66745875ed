import type { KubeObject } from '@logbook/kube';

/** The label that ties an EndpointSlice to its Service (kube's EndpointSlice controller sets it). */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export type L4Protocol = 'tcp' | 'udp' | 'sctp';

/** One endpoint address of one Service port, as the proxy decides where to send a new connection. */
export interface PortEndpoint {
  readonly ip: string;
  readonly port: number;
  /** On this proxy's node (for the `Local` traffic policies). */
  readonly local: boolean;
}

/** One port of one Service with the endpoints new connections may go to, already chosen by kube's rules. */
export interface ServicePortRule {
  /** `namespace/name:port/protocol`: stable, unique, for chain names and comments. */
  readonly id: string;
  readonly protocol: L4Protocol;
  readonly port: number;
  readonly clusterIP?: string;
  readonly nodePort?: number;
  /** `status.loadBalancer.ingress[].ip`: answered like NodePorts (external traffic). */
  readonly loadBalancerIPs: readonly string[];
  /** Where traffic from inside the cluster (pods, and the node itself) goes. */
  readonly clusterEndpoints: readonly PortEndpoint[];
  /** Where NodePort and load-balancer traffic from outside goes (`externalTrafficPolicy`). */
  readonly externalEndpoints: readonly PortEndpoint[];
  readonly externalLocal: boolean;
  /** Whether the Service has any endpoint at all (none: connections are rejected, as kube-proxy does). */
  readonly hasEndpoints: boolean;
  /** `sessionAffinity: ClientIP` timeout in seconds; undefined without affinity. */
  readonly affinitySeconds?: number;
}

interface SliceEndpoint {
  readonly ip: string;
  readonly port: number;
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
  readonly local: boolean;
}

const DEFAULT_AFFINITY_SECONDS = 10_800;

/**
 * The ports a Service is programmed with, from its EndpointSlices, choosing endpoints as
 * kube-proxy does: ready endpoints; when none is ready, the serving ones that are terminating
 * (so a rolling update that ends the last pod does not drop traffic while it drains); and for the
 * `Local` traffic policies only those on this node. `ownIP` says which ClusterIPs this proxy
 * programs (the loopback range is the userspace proxy's).
 */
export function servicePortRules(service: KubeObject, slices: readonly KubeObject[], nodeName: string, ownIP: (ip: string) => boolean): ServicePortRule[] {
  const spec = service.spec ?? {};
  if (spec.type === 'ExternalName') return [];
  const clusterIP: string | undefined = spec.clusterIP && spec.clusterIP !== 'None' && ownIP(spec.clusterIP) ? spec.clusterIP : undefined;
  const external = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
  const lbIPs: string[] = spec.type === 'LoadBalancer' ? (service.status?.loadBalancer?.ingress ?? []).map((i: any) => i?.ip).filter((ip: unknown): ip is string => typeof ip === 'string' && ip.length > 0) : [];
  if (!clusterIP && !external) return [];
  const affinitySeconds = spec.sessionAffinity === 'ClientIP' ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_SECONDS) : undefined;
  const key = `${service.metadata.namespace}/${service.metadata.name}`;
  const out: ServicePortRule[] = [];
  for (const sp of spec.ports ?? []) {
    if (!sp || typeof sp.port !== 'number') continue;
    const protocol = String(sp.protocol ?? 'TCP').toLowerCase() as L4Protocol;
    if (protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'sctp') continue;
    const endpoints = endpointsOf(slices, sp.name ?? '', sp.protocol ?? 'TCP', nodeName);
    const clusterEndpoints = usable(spec.internalTrafficPolicy === 'Local' ? endpoints.filter((e) => e.local) : endpoints);
    const externalLocal = external && spec.externalTrafficPolicy === 'Local';
    const externalEndpoints = usable(externalLocal ? endpoints.filter((e) => e.local) : endpoints);
    out.push({
      id: `${key}:${sp.port}/${protocol}`,
      protocol,
      port: sp.port,
      ...(clusterIP ? { clusterIP } : {}),
      ...(external && typeof sp.nodePort === 'number' ? { nodePort: sp.nodePort } : {}),
      loadBalancerIPs: lbIPs,
      clusterEndpoints,
      externalEndpoints,
      externalLocal,
      hasEndpoints: endpoints.some((e) => e.ready || (e.serving && e.terminating)),
      ...(affinitySeconds !== undefined ? { affinitySeconds } : {}),
    });
  }
  return out;
}

/** Ready endpoints, else the serving-and-terminating ones (kube's ProxyTerminatingEndpoints). */
function usable(endpoints: readonly SliceEndpoint[]): PortEndpoint[] {
  const ready = endpoints.filter((e) => e.ready);
  const chosen = ready.length > 0 ? ready : endpoints.filter((e) => e.serving && e.terminating);
  const seen = new Set<string>();
  const out: PortEndpoint[] = [];
  for (const e of chosen) {
    const id = `${e.ip}:${e.port}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ ip: e.ip, port: e.port, local: e.local });
  }
  return out.sort((a, b) => a.ip.localeCompare(b.ip) || a.port - b.port);
}

/** The endpoints of the slice port named like the Service port (slices name each port after its Service port). */
function endpointsOf(slices: readonly KubeObject[], portName: string, protocol: string, nodeName: string): SliceEndpoint[] {
  const out: SliceEndpoint[] = [];
  for (const slice of slices) {
    if ((slice as any).addressType && (slice as any).addressType !== 'IPv4') continue;
    const port = ((slice as any).ports ?? []).find((p: any) => (p?.name ?? '') === portName && (p?.protocol ?? 'TCP') === protocol);
    if (!port || typeof port.port !== 'number') continue;
    for (const e of (slice as any).endpoints ?? []) {
      const c = e?.conditions ?? {};
      // kube: a missing `ready` means ready; serving defaults to ready; terminating to false.
      const ready = c.ready !== false;
      const serving = c.serving ?? ready;
      for (const ip of e?.addresses ?? []) {
        if (typeof ip !== 'string') continue;
        out.push({ ip, port: port.port, ready, serving, terminating: c.terminating === true, local: e.nodeName === nodeName });
      }
    }
  }
  return out;
}
