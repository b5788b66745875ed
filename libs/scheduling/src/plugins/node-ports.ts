import type { KubeObject } from '@logbook/kube';
import type { FilterPlugin } from '../framework';
import type { NodeInfo } from '../node-info';
import { SUCCESS, unschedulable } from '../status';

export const ERR_PORTS = "node(s) didn't have free ports for the requested pod ports";

export interface HostPort {
  readonly hostIP: string;
  readonly protocol: string;
  readonly hostPort: number;
}

const portsMemo = new WeakMap<KubeObject, HostPort[]>();

/** The pod's host ports (memoised: cached pods are read-only and every node asks). */
export function hostPorts(pod: KubeObject): HostPort[] {
  let ports = portsMemo.get(pod);
  if (!ports) portsMemo.set(pod, (ports = computeHostPorts(pod)));
  return ports;
}

function computeHostPorts(pod: KubeObject): HostPort[] {
  const out: HostPort[] = [];
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    for (const p of c?.ports ?? []) {
      if (!p?.hostPort || p.hostPort <= 0) continue;
      out.push({ hostIP: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', hostPort: p.hostPort });
    }
  }
  return out;
}

/** Same port and protocol clash when the IPs are equal or either is the wildcard 0.0.0.0. */
export function portsConflict(a: HostPort, b: HostPort): boolean {
  if (a.hostPort !== b.hostPort || a.protocol !== b.protocol) return false;
  return a.hostIP === b.hostIP || a.hostIP === '0.0.0.0' || b.hostIP === '0.0.0.0';
}

export function hasFreePorts(pod: KubeObject, info: NodeInfo): boolean {
  const wanted = hostPorts(pod);
  if (wanted.length === 0) return true;
  for (const other of info.pods) {
    for (const used of hostPorts(other)) if (wanted.some((w) => portsConflict(w, used))) return false;
  }
  return true;
}

export const nodePorts: FilterPlugin = {
  name: 'NodePorts',
  filter: (pod, info) => (hasFreePorts(pod, info) ? SUCCESS : unschedulable(ERR_PORTS)),
};
