/**
 * Pod IPs from an IPv4 CIDR (pure). Addresses whose last octet is 0 or 255 are skipped even inside
 * a /16: some tools treat x.y.z.0 and x.y.z.255 as network/broadcast addresses of a /24.
 */
export interface AddressRange {
  readonly first: number; // as unsigned 32-bit integers
  readonly last: number;
}

export function parseCidr(cidr: string): AddressRange {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr.trim());
  if (!m) throw new Error(`not an IPv4 CIDR: "${cidr}"`);
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) throw new Error(`not an IPv4 CIDR: "${cidr}"`);
  const base = ipToInt(octets.join('.'));
  const size = 2 ** (32 - bits);
  const network = base - (base % size);
  return { first: network, last: network + size - 1 };
}

export function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

function usable(n: number): boolean {
  const lastOctet = n % 256;
  return lastOctet !== 0 && lastOctet !== 255;
}

/**
 * The first usable address after `after` (wrapping around) that is not in `used`, or undefined when
 * the range is exhausted. Continuing after the last allocation, like host-local IPAM, keeps a freed
 * address from being handed to the next pod at once, while old connections may still target it.
 */
export function nextFreeAddress(range: AddressRange, used: ReadonlySet<string>, after?: string): string | undefined {
  const size = range.last - range.first + 1;
  const start = after === undefined ? range.first : ipToInt(after) + 1;
  for (let i = 0; i < size; i++) {
    const n = range.first + ((start - range.first + i) % size + size) % size;
    if (usable(n) && !used.has(intToIp(n))) return intToIp(n);
  }
  return undefined;
}
