import type { KubeObject } from '@logbook/kube';
import { isTrue } from '../shared/conditions';

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef: { kind: 'Pod'; namespace: string; name: string; uid: string };
}

export interface EndpointPort {
  name?: string;
  port: number;
  protocol: string;
}

export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

/**
 * The subsets of a Service's Endpoints for the pods its selector picked (Kubernetes'
 * endpoints controller followed by RepackSubsets): one subset per distinct set of resolved
 * ports, ready pods in `addresses`, the others in `notReadyAddresses`, everything sorted so
 * an unchanged world gives an identical object.
 */
export function endpointSubsets(service: KubeObject, pods: readonly KubeObject[]): EndpointSubset[] {
  const servicePorts: any[] = service.spec?.ports ?? [];
  const publishNotReady = service.spec?.publishNotReadyAddresses === true;
  const groups = new Map<string, { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }>();

  for (const pod of pods) {
    if (!inEndpoints(pod, publishNotReady)) continue;
    const ports = servicePorts.flatMap((sp) => {
      const port = resolveTargetPort(sp, pod);
      return port === undefined ? [] : [{ ...(sp.name ? { name: sp.name } : {}), port, protocol: sp.protocol ?? 'TCP' }];
    });
    // A pod that serves none of the Service's ports is no endpoint of it (a headless Service without ports takes every pod).
    if (servicePorts.length > 0 && ports.length === 0) continue;
    ports.sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '') || a.port - b.port || a.protocol.localeCompare(b.protocol));
    const id = JSON.stringify(ports);
    let group = groups.get(id);
    if (!group) groups.set(id, (group = { ports, ready: [], notReady: [] }));
    const address: EndpointAddress = {
      ip: pod.status.podIP,
      ...endpointHostname(service, pod),
      ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
      targetRef: { kind: 'Pod', namespace: pod.metadata.namespace!, name: pod.metadata.name!, uid: pod.metadata.uid! },
    };
    (publishNotReady || isTrue(pod.status?.conditions, 'Ready') ? group.ready : group.notReady).push(address);
  }

  const byIp = (a: EndpointAddress, b: EndpointAddress) => a.ip.localeCompare(b.ip) || a.targetRef.uid.localeCompare(b.targetRef.uid);
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, g]) => ({
      ...(g.ready.length ? { addresses: g.ready.sort(byIp) } : {}),
      ...(g.notReady.length ? { notReadyAddresses: g.notReady.sort(byIp) } : {}),
      ...(g.ports.length ? { ports: g.ports } : {}),
    }));
}

/**
 * kube's endpoint hostname: the pod's spec.hostname, only when its spec.subdomain is this
 * Service's name (a StatefulSet's pods under its governing Service), so cluster DNS can answer
 * `<hostname>.<service>.<namespace>.svc.<domain>`.
 */
export function endpointHostname(service: KubeObject, pod: KubeObject): { hostname?: string } {
  const hostname = pod.spec?.hostname;
  return typeof hostname === 'string' && hostname !== '' && pod.spec?.subdomain === service.metadata.name ? { hostname } : {};
}

/** Kubernetes' ShouldPodBeInEndpoints: an IP, not finished, and not terminating unless unready ones are published. */
export function inEndpoints(pod: KubeObject, publishNotReady: boolean): boolean {
  if (!pod.status?.podIP) return false;
  if (pod.status.phase === 'Succeeded' || pod.status.phase === 'Failed') return false;
  return !pod.metadata.deletionTimestamp || publishNotReady;
}

/** A number is the port; a name is looked up among the pod's container ports of the same protocol. */
export function resolveTargetPort(servicePort: any, pod: KubeObject): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === 'number') return target;
  const protocol = servicePort.protocol ?? 'TCP';
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  }
  return undefined;
}

/** What of a pod an Endpoints or EndpointSlice shows; undefined when the pod is in none. */
export function endpointView(pod: KubeObject | undefined): unknown {
  if (!pod || !inEndpoints(pod, true)) return undefined;
  return {
    labels: pod.metadata.labels,
    ip: pod.status.podIP,
    ready: isTrue(pod.status?.conditions, 'Ready'),
    deleting: !!pod.metadata.deletionTimestamp,
    nodeName: pod.spec?.nodeName,
    hostname: pod.spec?.hostname,
    subdomain: pod.spec?.subdomain,
    ports: (pod.spec?.containers ?? []).map((c: any) => c.ports),
    uid: pod.metadata.uid,
  };
}
