import { createHash } from 'node:crypto';
import type { PortEndpoint, ServicePortRule } from './service-ports';

/**
 * The nftables table of one service proxy (`table ip logbook-svc-<hash>`), as kube-proxy's
 * nftables mode shapes its own: verdict maps from `address . protocol . port` to one chain per
 * Service port, which spreads new connections over its endpoints with `numgen random`, and one
 * chain per endpoint that DNATs (conntrack keeps each connection on the endpoint it got). See
 * docs/architecture.md "Service rules (nftables)" for the packet's path.
 *
 * Pure: `serviceTable` renders what the table should hold; `transaction` turns that into one
 * `nft -f` script that moves the kernel from the previous content to it atomically, keeping the
 * session-affinity sets (their timeouts are the affinity) across updates.
 */

/** Marks a packet to be masqueraded on its way out (kube-proxy's 0x4000). */
export const MASQUERADE_MARK = '0x4000';

export interface ServiceTableOptions {
  /** The table's name, `logbook-svc-<hash>` (`serviceTableName`). */
  readonly table: string;
  /** The pod CIDR of the cluster: traffic from elsewhere (the node itself) to a ClusterIP is masqueraded. */
  readonly clusterCIDR: string;
  /** The Service CIDR: a connection to an address in it that no Service holds is rejected. */
  readonly serviceCIDR: string;
  /**
   * Interface names (nft wildcards) that pod traffic may be forwarded to: Logbook's own bridges.
   * Pod traffic for any other interface is dropped, so nothing a pod sends leaves this machine.
   */
  readonly podInterfaces: string;
}

export interface Chain {
  /** `type nat hook prerouting priority dstnat; policy accept;` for base chains. */
  readonly hook?: string;
  readonly rules: readonly string[];
}

export interface SetSpec {
  readonly type: string;
  readonly flags?: string;
  readonly timeoutSeconds?: number;
  readonly elements: readonly string[];
  /** A map's value type (`verdict`); undefined for a set. */
  readonly mapTo?: string;
  /** Kept across updates (session affinity): neither flushed nor recreated while it exists. */
  readonly dynamic?: boolean;
}

export interface ServiceTable {
  readonly name: string;
  readonly chains: ReadonlyMap<string, Chain>;
  readonly sets: ReadonlyMap<string, SetSpec>;
}

/** `logbook-svc-` + 8 hex digits of the instance (the node's state directory). */
export function serviceTableName(instance: string): string {
  return `logbook-svc-${createHash('sha256').update(instance).digest('hex').slice(0, 8)}`;
}

export function serviceTable(ports: readonly ServicePortRule[], o: ServiceTableOptions): ServiceTable {
  const chains = new Map<string, Chain>();
  const sets = new Map<string, SetSpec>();
  const serviceIPs: string[] = [];
  const nodePorts: string[] = [];
  const noEndpoints: string[] = [];
  const noEndpointNodePorts: string[] = [];
  const clusterIPs = new Set<string>();

  chains.set('nat-prerouting', { hook: 'type nat hook prerouting priority dstnat; policy accept;', rules: ['jump services'] });
  chains.set('nat-output', { hook: 'type nat hook output priority -100; policy accept;', rules: ['jump services'] });
  chains.set('nat-postrouting', { hook: 'type nat hook postrouting priority srcnat; policy accept;', rules: ['jump masquerading'] });
  // Before the NAT chains (priority dstnat - 10): what has nowhere to go is refused while it still has its Service address.
  chains.set('filter-prerouting', { hook: 'type filter hook prerouting priority dstnat - 10; policy accept;', rules: ['ct state new jump service-endpoints-check', 'ct state new jump nodeport-endpoints-check'] });
  chains.set('filter-output', { hook: 'type filter hook output priority -110; policy accept;', rules: ['ct state new jump service-endpoints-check', 'ct state new jump nodeport-endpoints-check'] });
  chains.set('filter-forward', {
    hook: 'type filter hook forward priority filter - 10; policy accept;',
    rules: [
      'ct state new jump cluster-ips-check',
      `ip saddr ${o.clusterCIDR} oifname != "${o.podInterfaces}" counter drop comment "pods reach nothing beyond this machine"`,
    ],
  });
  chains.set('filter-local-out', { hook: 'type filter hook output priority filter - 10; policy accept;', rules: ['ct state new jump cluster-ips-check'] });
  chains.set('services', {
    rules: [
      'ip daddr . meta l4proto . th dport vmap @service-ips',
      // NodePorts answer on the node's addresses (its pod-network gateway, load-balancer addresses), not on loopback: see docs.
      'ip daddr != 127.0.0.0/8 fib daddr type local meta l4proto . th dport vmap @service-nodeports',
    ],
  });
  chains.set('mark-for-masquerade', { rules: [`meta mark set meta mark | ${MASQUERADE_MARK}`] });
  chains.set('masquerading', { rules: [`meta mark & ${MASQUERADE_MARK} == 0 return`, `meta mark set meta mark ^ ${MASQUERADE_MARK}`, 'masquerade fully-random'] });
  chains.set('service-endpoints-check', { rules: ['ip daddr . meta l4proto . th dport vmap @no-endpoint-services'] });
  chains.set('nodeport-endpoints-check', { rules: ['ip daddr != 127.0.0.0/8 fib daddr type local meta l4proto . th dport vmap @no-endpoint-nodeports'] });
  chains.set('cluster-ips-check', {
    rules: [
      'ip daddr @cluster-ips reject comment "no such port on this ClusterIP"',
      `ip daddr ${o.serviceCIDR} reject comment "no Service holds this address"`,
    ],
  });
  chains.set('reject-chain', { rules: ['reject'] });

  for (const p of ports) {
    const svc = chainName('svc', p.id);
    const ext = chainName('ext', p.id);
    const endpointChain = (e: PortEndpoint) => chainName('ep', `${p.id}>${e.ip}:${e.port}`);
    const affinitySet = (e: PortEndpoint) => chainName('aff', `${p.id}>${e.ip}:${e.port}/${p.affinitySeconds}`);
    const spread = (endpoints: readonly PortEndpoint[]): string[] => {
      if (endpoints.length === 0) return ['drop comment "no endpoint for this traffic policy"'];
      const affinity = p.affinitySeconds !== undefined ? endpoints.map((e) => `ip saddr @${affinitySet(e)} goto ${endpointChain(e)}`) : [];
      const pick = endpoints.length === 1 ? `goto ${endpointChain(endpoints[0])}` : `numgen random mod ${endpoints.length} vmap { ${endpoints.map((e, i) => `${i} : goto ${endpointChain(e)}`).join(', ')} }`;
      return [...affinity, pick];
    };
    const all = [...p.clusterEndpoints, ...p.externalEndpoints];
    for (const e of all) {
      const name = endpointChain(e);
      if (chains.has(name)) continue;
      if (p.affinitySeconds !== undefined) sets.set(affinitySet(e), { type: 'ipv4_addr', flags: 'dynamic,timeout', timeoutSeconds: p.affinitySeconds, elements: [], dynamic: true });
      chains.set(name, {
        rules: [
          // Hairpin: a pod that reaches itself through its Service must see the reply come back from the Service.
          `ip saddr ${e.ip} jump mark-for-masquerade`,
          ...(p.affinitySeconds !== undefined ? [`update @${affinitySet(e)} { ip saddr }`] : []),
          `meta l4proto ${p.protocol} dnat to ${e.ip}:${e.port}`,
        ],
      });
    }

    if (p.clusterIP) {
      clusterIPs.add(p.clusterIP);
      if (!p.hasEndpoints) noEndpoints.push(`${p.clusterIP} . ${p.protocol} . ${p.port} : goto reject-chain`);
      else serviceIPs.push(`${p.clusterIP} . ${p.protocol} . ${p.port} : goto ${svc}`);
    }
    if (p.hasEndpoints) {
      // The node's own connections to a ClusterIP leave with a host address: masqueraded, so the pod can answer.
      chains.set(svc, { rules: [`ip saddr != ${o.clusterCIDR} jump mark-for-masquerade`, ...spread(p.clusterEndpoints)] });
    }
    const externals = [...(p.nodePort !== undefined ? [`${p.protocol} . ${p.nodePort}`] : [])];
    if (p.nodePort !== undefined || p.loadBalancerIPs.length > 0) {
      if (!p.hasEndpoints) {
        if (p.nodePort !== undefined) noEndpointNodePorts.push(`${p.protocol} . ${p.nodePort} : goto reject-chain`);
        for (const ip of p.loadBalancerIPs) noEndpoints.push(`${ip} . ${p.protocol} . ${p.port} : goto reject-chain`);
        continue;
      }
      chains.set(ext, {
        rules: p.externalLocal
          ? [
              // Local: traffic from pods and from the node itself follows the cluster policy; from outside, only this node's endpoints, source kept.
              `ip saddr ${o.clusterCIDR} goto ${svc}`,
              'fib saddr type local jump mark-for-masquerade',
              `fib saddr type local goto ${svc}`,
              ...spread(p.externalEndpoints),
            ]
          : ['jump mark-for-masquerade', `goto ${svc}`],
      });
      for (const x of externals) nodePorts.push(`${x} : goto ${ext}`);
      for (const ip of p.loadBalancerIPs) serviceIPs.push(`${ip} . ${p.protocol} . ${p.port} : goto ${ext}`);
    }
  }

  const verdictMap = (type: string, elements: string[]): SetSpec => ({ type, mapTo: 'verdict', elements: unique(elements) });
  sets.set('service-ips', verdictMap('ipv4_addr . inet_proto . inet_service', serviceIPs));
  sets.set('no-endpoint-services', verdictMap('ipv4_addr . inet_proto . inet_service', noEndpoints));
  sets.set('service-nodeports', verdictMap('inet_proto . inet_service', nodePorts));
  sets.set('no-endpoint-nodeports', verdictMap('inet_proto . inet_service', noEndpointNodePorts));
  sets.set('cluster-ips', { type: 'ipv4_addr', elements: [...clusterIPs].sort() });
  return { name: o.table, chains, sets };
}

/** What a table held when last applied (or as listed from the kernel): the names to clean up. */
export interface AppliedNames {
  readonly chains: ReadonlySet<string>;
  /** Set or map name → which of the two (they are deleted with different words). */
  readonly sets: ReadonlyMap<string, 'set' | 'map'>;
}

/**
 * One atomic `nft -f` script from `previous` to `desired`: every chain and set is declared
 * (`add` is idempotent), the non-dynamic sets and maps and every chain flushed and refilled,
 * and what is no longer wanted deleted once nothing refers to it. Dynamic sets are only created
 * and deleted, so the affinity they hold survives every other change.
 */
export function transaction(desired: ServiceTable, previous: AppliedNames | undefined): string {
  const t = `ip ${desired.name}`;
  const lines: string[] = [`add table ${t}`];
  for (const [name, set] of desired.sets) lines.push(`add ${set.mapTo ? 'map' : 'set'} ${t} ${name} { ${setBody(set)} }`);
  for (const [name, chain] of desired.chains) lines.push(chain.hook ? `add chain ${t} ${name} { ${chain.hook} }` : `add chain ${t} ${name}`);
  for (const [name, set] of desired.sets) if (!set.dynamic) lines.push(`flush ${set.mapTo ? 'map' : 'set'} ${t} ${name}`);
  for (const name of desired.chains.keys()) lines.push(`flush chain ${t} ${name}`);
  const staleChains = [...(previous?.chains ?? [])].filter((c) => !desired.chains.has(c));
  for (const name of staleChains) lines.push(`flush chain ${t} ${name}`);
  for (const name of staleChains) lines.push(`delete chain ${t} ${name}`);
  for (const [name, kind] of previous?.sets ?? []) if (!desired.sets.has(name)) lines.push(`delete ${kind} ${t} ${name}`);
  for (const [name, chain] of desired.chains) for (const rule of chain.rules) lines.push(`add rule ${t} ${name} ${rule}`);
  for (const [name, set] of desired.sets) if (set.elements.length > 0 && !set.dynamic) lines.push(`add element ${t} ${name} { ${set.elements.join(', ')} }`);
  return lines.join('\n') + '\n';
}

export function appliedNames(table: ServiceTable): AppliedNames {
  return { chains: new Set(table.chains.keys()), sets: new Map([...table.sets].map(([name, set]) => [name, set.mapTo ? 'map' : 'set'])) };
}

function setBody(set: SetSpec): string {
  const parts = [`type ${set.type}${set.mapTo ? ` : ${set.mapTo}` : ''};`];
  if (set.flags) parts.push(`flags ${set.flags};`);
  if (set.timeoutSeconds !== undefined) parts.push(`timeout ${set.timeoutSeconds}s;`);
  return parts.join(' ');
}

/**
 * A chain or set name that says what it is for (`svc-default-web-80-tcp-1a2b3c4d`): the readable
 * part cut and reduced to the characters nft identifiers take, the hash keeping it unique.
 */
export function chainName(kind: string, id: string): string {
  const readable = id
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);
  return `${kind}-${readable}-${createHash('sha256').update(id).digest('hex').slice(0, 8)}`;
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}
