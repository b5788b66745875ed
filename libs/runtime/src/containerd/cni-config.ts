import { createHash } from 'node:crypto';

/**
 * The node's CNI network (pure): one bridge per node with host-local addresses from the node's
 * podCIDR, and portmap for hostPorts. containerd's CRI adds the loopback interface itself.
 */
export interface CniConfigOptions {
  readonly podCIDR: string;
  readonly bridgeName: string;
  /** The cluster's pod network: a route to it through the bridge inside each pod. */
  readonly clusterCIDR?: string;
  /** Where host-local keeps its allocations. */
  readonly ipamDataDir: string;
}

export const CNI_NETWORK_NAME = 'logbook';

export function renderCniConfig(o: CniConfigOptions): string {
  const routes: { dst: string }[] = [{ dst: '0.0.0.0/0' }];
  if (o.clusterCIDR) routes.push({ dst: o.clusterCIDR });
  const conflist = {
    cniVersion: '0.4.0',
    name: CNI_NETWORK_NAME,
    plugins: [
      {
        type: 'bridge',
        bridge: o.bridgeName,
        isGateway: true,
        // Pods reach each other and the host; nothing is masqueraded towards the outside,
        // where no pod traffic may go (the cluster CIDR is blackholed).
        ipMasq: false,
        hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: o.podCIDR }]], routes, dataDir: o.ipamDataDir },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  };
  return JSON.stringify(conflist, null, 2) + '\n';
}

/** A bridge name unique to a data directory, within Linux's 15-character limit: `lb` + 8 hex. */
export function bridgeNameFor(dataDir: string): string {
  return `lb${createHash('sha256').update(dataDir).digest('hex').slice(0, 8)}`;
}
