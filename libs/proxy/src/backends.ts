import type { KubeObject } from '@logbook/kube';

/** One ready endpoint of one Service port: where a proxied connection goes. */
export interface Backend {
  readonly ip: string;
  readonly port: number;
}

/** A TCP address the proxy listens on for one Service port, with the backends it forwards to. */
export interface ListenerSpec {
  readonly host: string;
  readonly port: number;
  /** `namespace/name:port` of the Service port, for logs. */
  readonly servicePort: string;
  readonly backends: readonly Backend[];
}

/** Virtual IPs the proxy serves (the API server allocates from this range). */
export const SERVICE_IP_PATTERN = /^127\.96\.\d{1,3}\.\d{1,3}$/;

/**
 * The ready addresses of a Service port. The Endpoints controller has already resolved named
 * target ports per pod and names each endpoint port after its Service port, so a port is found
 * by name; an unnamed Service port (only allowed when it is the Service's only port) takes the
 * subset's unnamed port, or its target port number when the Endpoints were written by hand.
 */
export function backendsFor(servicePort: any, endpoints: KubeObject | undefined): Backend[] {
  if ((servicePort.protocol ?? 'TCP') !== 'TCP') return [];
  const out: Backend[] = [];
  for (const subset of endpoints?.subsets ?? []) {
    const ports: any[] = (subset.ports ?? []).filter((p: any) => (p.protocol ?? 'TCP') === 'TCP');
    const port =
      ports.find((p) => (p.name ?? '') === (servicePort.name ?? '')) ??
      (typeof servicePort.targetPort === 'number' ? ports.find((p) => p.port === servicePort.targetPort) : undefined);
    if (!port) continue;
    for (const a of subset.addresses ?? []) if (a?.ip) out.push({ ip: a.ip, port: port.port });
  }
  return out;
}

/**
 * What a Service should be listening on: each TCP port on `clusterIP:port` when the clusterIP is
 * one of ours, and on `nodeAddress:nodePort` for NodePort and LoadBalancer Services.
 */
export function listenersFor(service: KubeObject | undefined, endpoints: KubeObject | undefined, nodeAddress: string): ListenerSpec[] {
  const spec = service?.spec;
  if (!service || !spec || spec.type === 'ExternalName') return [];
  const key = `${service.metadata.namespace}/${service.metadata.name}`;
  const clusterIP: string | undefined = SERVICE_IP_PATTERN.test(spec.clusterIP ?? '') ? spec.clusterIP : undefined;
  const out: ListenerSpec[] = [];
  for (const sp of spec.ports ?? []) {
    if (!sp || (sp.protocol ?? 'TCP') !== 'TCP' || typeof sp.port !== 'number') continue;
    const backends = backendsFor(sp, endpoints);
    const servicePort = `${key}:${sp.name || sp.port}`;
    if (clusterIP) out.push({ host: clusterIP, port: sp.port, servicePort, backends });
    if ((spec.type === 'NodePort' || spec.type === 'LoadBalancer') && typeof sp.nodePort === 'number') {
      out.push({ host: nodeAddress, port: sp.nodePort, servicePort, backends });
    }
  }
  return out;
}

/** Round-robin over a backend list that can be swapped while connections are in flight. */
export class RoundRobin {
  private list: readonly Backend[] = [];
  private cursor = 0;

  constructor(backends: readonly Backend[] = []) {
    this.set(backends);
  }

  get backends(): readonly Backend[] {
    return this.list;
  }

  /** Replaces the list; the cursor carries on, so a change does not send the next burst to the first backend. */
  set(backends: readonly Backend[]): void {
    this.list = backends;
  }

  next(): Backend | undefined {
    if (this.list.length === 0) return undefined;
    const b = this.list[this.cursor % this.list.length];
    this.cursor = (this.cursor + 1) % Number.MAX_SAFE_INTEGER;
    return b;
  }
}
