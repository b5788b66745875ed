/**
 * Node pod CIDRs cut from the cluster CIDR (kube's pkg/controller/nodeipam/ipam/cidrset): the
 * cluster CIDR holds 2^(maskSize − prefix) node CIDRs; allocation takes the next free one after
 * the last handed out (round robin, as kube, so a CIDR just freed is not handed out again at
 * once while stale routes to it may linger). IPv4 only.
 */
export const DEFAULT_CLUSTER_CIDR = '10.244.0.0/16';
export const DEFAULT_NODE_CIDR_MASK_SIZE = 24;

export class CidrConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CidrConfigError';
  }
}

export interface Ipv4Cidr {
  readonly base: number; // network address as an unsigned 32-bit integer
  readonly prefix: number;
}

export function parseIpv4Cidr(cidr: string): Ipv4Cidr | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr.trim());
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const ip = ((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) + octets[3];
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { base: (ip & mask) >>> 0, prefix };
}

export const formatIpv4Cidr = (c: Ipv4Cidr): string => `${c.base >>> 24}.${(c.base >>> 16) & 255}.${(c.base >>> 8) & 255}.${c.base & 255}/${c.prefix}`;

export class CidrAllocator {
  readonly cluster: Ipv4Cidr;
  readonly size: number;
  private readonly used = new Set<number>();
  private next = 0;

  constructor(
    clusterCidr: string = DEFAULT_CLUSTER_CIDR,
    readonly maskSize: number = DEFAULT_NODE_CIDR_MASK_SIZE,
  ) {
    const cluster = parseIpv4Cidr(clusterCidr);
    if (!cluster) throw new CidrConfigError(`cluster CIDR "${clusterCidr}" is not an IPv4 CIDR such as 10.244.0.0/16`);
    if (!Number.isInteger(maskSize) || maskSize < cluster.prefix || maskSize > 30) {
      throw new CidrConfigError(`node CIDR mask size ${maskSize} must be an integer between the cluster CIDR's prefix (/${cluster.prefix}) and 30`);
    }
    if (maskSize - cluster.prefix > 20) throw new CidrConfigError(`cluster CIDR /${cluster.prefix} with node mask /${maskSize} makes more than 2^20 node CIDRs; use a larger mask size`);
    this.cluster = cluster;
    this.size = 2 ** (maskSize - cluster.prefix);
  }

  get free(): number {
    return this.size - this.used.size;
  }

  /** The index of `cidr` in the cluster CIDR, or undefined when it is not one of its node CIDRs. */
  private indexOf(cidr: string): number | undefined {
    const c = parseIpv4Cidr(cidr);
    if (!c || c.prefix !== this.maskSize) return undefined;
    const offset = c.base - this.cluster.base;
    const step = 2 ** (32 - this.maskSize);
    if (offset < 0 || offset % step !== 0 || offset / step >= this.size) return undefined;
    return offset / step;
  }

  /** Marks a CIDR a node already holds (start-up, or one written by someone else); false when it is not ours. */
  occupy(cidr: string): boolean {
    const i = this.indexOf(cidr);
    if (i === undefined) return false;
    this.used.add(i);
    return true;
  }

  release(cidr: string): void {
    const i = this.indexOf(cidr);
    if (i !== undefined) this.used.delete(i);
  }

  /** The next free node CIDR, now taken; undefined when the cluster CIDR is full. */
  allocate(): string | undefined {
    if (this.used.size >= this.size) return undefined;
    for (let n = 0; n < this.size; n++) {
      const i = (this.next + n) % this.size;
      if (this.used.has(i)) continue;
      this.used.add(i);
      this.next = (i + 1) % this.size;
      return formatIpv4Cidr({ base: (this.cluster.base + i * 2 ** (32 - this.maskSize)) >>> 0, prefix: this.maskSize });
    }
    return undefined;
  }
}
