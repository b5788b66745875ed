import { createHash } from 'node:crypto';
import type { KubeObject } from '@logbook/kube';
import { isTrue } from '../shared/conditions';
import { type EndpointPort, endpointHostname, resolveTargetPort } from './endpoint-subsets';

/** Labels Kubernetes' EndpointSlice controller puts on the slices it manages. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const MANAGED_BY = 'endpointslice-controller.k8s.io';
/** Kubernetes' --max-endpoints-per-slice default. */
export const MAX_ENDPOINTS_PER_SLICE = 100;

export interface SliceEndpoint {
  addresses: string[];
  conditions: { ready: boolean; serving: boolean; terminating: boolean };
  /** The pod's spec.hostname when its spec.subdomain names the Service: cluster DNS serves `<hostname>.<service>.<ns>.svc`. */
  hostname?: string;
  nodeName?: string;
  targetRef: { kind: 'Pod'; namespace: string; name: string; uid: string };
}

/** The content of one EndpointSlice: a set of ports and the endpoints that serve exactly those. */
export interface SliceContent {
  readonly name: string;
  readonly ports: EndpointPort[];
  readonly endpoints: SliceEndpoint[];
}

/**
 * The EndpointSlices of a Service for the pods its selector picked, as Kubernetes' EndpointSlice
 * controller shapes them: pods grouped by the Service ports they resolve to, at most 100
 * endpoints per slice, conditions ready/serving/terminating (a terminating pod stays listed, not
 * ready), and one empty slice when no pod qualifies. Names are `<service>-<hash>` from the port set
 * and chunk, so an unchanged world gives identical objects (Kubernetes' are random).
 */
export function endpointSlicesFor(service: KubeObject, pods: readonly KubeObject[]): SliceContent[] {
  const servicePorts: any[] = service.spec?.ports ?? [];
  const publishNotReady = service.spec?.publishNotReadyAddresses === true;
  const groups = new Map<string, { ports: EndpointPort[]; endpoints: SliceEndpoint[] }>();
  for (const pod of pods) {
    if (!pod.status?.podIP || pod.status.phase === 'Succeeded' || pod.status.phase === 'Failed') continue;
    const ports = servicePorts.flatMap((sp) => {
      const port = resolveTargetPort(sp, pod);
      // Always a name, "" when unnamed: clients (kubectl describe) dereference it.
      return port === undefined ? [] : [{ name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP' }];
    });
    if (servicePorts.length > 0 && ports.length === 0) continue;
    ports.sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '') || a.port - b.port || a.protocol.localeCompare(b.protocol));
    const id = JSON.stringify(ports);
    let group = groups.get(id);
    if (!group) groups.set(id, (group = { ports, endpoints: [] }));
    const podReady = isTrue(pod.status?.conditions, 'Ready');
    const terminating = !!pod.metadata.deletionTimestamp;
    group.endpoints.push({
      addresses: [pod.status.podIP],
      conditions: { ready: publishNotReady || (podReady && !terminating), serving: publishNotReady || podReady, terminating },
      ...endpointHostname(service, pod),
      ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
      targetRef: { kind: 'Pod', namespace: pod.metadata.namespace!, name: pod.metadata.name!, uid: pod.metadata.uid! },
    });
  }
  const name = service.metadata.name!;
  if (groups.size === 0) return [{ name: sliceName(name, '[]', 0), ports: [], endpoints: [] }];
  const out: SliceContent[] = [];
  for (const [id, g] of [...groups.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    g.endpoints.sort((a, b) => a.addresses[0].localeCompare(b.addresses[0]) || a.targetRef.uid.localeCompare(b.targetRef.uid));
    for (let i = 0; i * MAX_ENDPOINTS_PER_SLICE < g.endpoints.length; i++) {
      out.push({ name: sliceName(name, id, i), ports: g.ports, endpoints: g.endpoints.slice(i * MAX_ENDPOINTS_PER_SLICE, (i + 1) * MAX_ENDPOINTS_PER_SLICE) });
    }
  }
  return out;
}

function sliceName(service: string, portsId: string, chunk: number): string {
  const hash = createHash('sha256').update(`${portsId}/${chunk}`).digest('hex').slice(0, 5);
  // Names stay within 253 characters whatever the Service's name.
  return `${service.slice(0, 240)}-${hash}`;
}
