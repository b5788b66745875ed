import { ApiError, type KubeObject, streamName } from '@logbook/kube';
import type { Projector } from '@logbook/projections';
import type { WriteCommand } from './commands';

/**
 * Service addresses, allocated by the API server as kube-apiserver's Service REST storage does:
 * virtual IPs from the Service CIDR (`--service-cidr`) and node ports from 30000–32767. The
 * default range is loopback (Linux routes all of 127.0.0.0/8 to `lo`, so the userspace proxy can
 * bind them without root); container nodes use a routable range programmed as nftables rules.
 *
 * Allocation is hash-based with linear probing, not lowest-free: a Service gets the same
 * address every time it is re-created under the same name (when that address is still free),
 * and an address freed by a deletion is not handed to the very next Service, so a proxy that
 * lags behind never routes a new Service's traffic to the old one's endpoints.
 */
export const DEFAULT_SERVICE_CIDR = '127.96.0.0/16';
export const NODE_PORT_MIN = 30000;
export const NODE_PORT_MAX = 32767;

/** Addresses below this offset are handed out only when asked for (kube's static band): the `kubernetes` Service holds the 1st, cluster DNS the 10th. */
const STATIC_BAND = 16;

/**
 * One IPv4 Service CIDR. Addresses ending in .0 or .255 are never handed out (nor are the
 * network and broadcast addresses of a range smaller than a /24).
 */
export class ServiceRange {
  readonly base: number;
  readonly size: number;
  private readonly prefix: number;

  constructor(readonly cidr: string) {
    const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(cidr);
    const prefix = m ? Number(m[2]) : NaN;
    if (!m || !isIPv4(m[1]) || !(prefix >= 8 && prefix <= 28)) throw new Error(`invalid Service CIDR ${JSON.stringify(cidr)}: want an IPv4 CIDR from /8 to /28, e.g. 10.96.0.0/16`);
    this.prefix = prefix;
    this.size = 2 ** (32 - prefix);
    const n = toNumber(m[1]);
    this.base = n - (n % this.size);
    if (this.base !== n) throw new Error(`invalid Service CIDR ${cidr}: the address has host bits set (did you mean ${toIP(this.base)}/${prefix}?)`);
  }

  /** Whether `ip` is an address this range may hold. */
  contains(ip: string): boolean {
    if (!isIPv4(ip)) return false;
    const offset = toNumber(ip) - this.base;
    return offset > 0 && offset < this.size - 1 && !/\.(0|255)$/.test(ip);
  }

  /** The address `offset` into the range: 1 is the `kubernetes` Service's, 10 cluster DNS's. */
  at(offset: number): string {
    return toIP(this.base + offset);
  }

  /** How many addresses hashing may land on (before the static band is skipped). */
  get candidates(): number {
    return this.prefix <= 24 ? (this.size / 256) * 254 : this.size - 2;
  }

  /** The candidate at `index` (0 ≤ index < candidates), skipping .0 and .255. */
  candidate(index: number): { ip: string; offset: number } {
    const offset = this.prefix <= 24 ? Math.floor(index / 254) * 256 + (index % 254) + 1 : index + 1;
    return { ip: toIP(this.base + offset), offset };
  }

  /** Offsets kept for addresses asked for by name (the `kubernetes` and `kube-dns` Services). */
  isStatic(offset: number): boolean {
    return this.size >= 64 && offset < STATIC_BAND;
  }
}

export const DEFAULT_SERVICE_RANGE = new ServiceRange(DEFAULT_SERVICE_CIDR);

const NODE_PORT_COUNT = NODE_PORT_MAX - NODE_PORT_MIN + 1;

/** Addresses held by other Services (and by writes still in flight). */
export interface TakenAddresses {
  readonly ips: ReadonlySet<string>;
  readonly nodePorts: ReadonlySet<number>;
}

export function inServiceRange(ip: string, range: ServiceRange = DEFAULT_SERVICE_RANGE): boolean {
  return range.contains(ip);
}

/** Services that get a virtual IP: everything but ExternalName and headless (`None`). */
export function wantsClusterIP(spec: any): boolean {
  return (spec?.type ?? 'ClusterIP') !== 'ExternalName' && spec?.clusterIP !== 'None';
}

export function wantsNodePorts(spec: any): boolean {
  return spec?.type === 'NodePort' || (spec?.type === 'LoadBalancer' && spec?.allocateLoadBalancerNodePorts !== false);
}

/**
 * The Service as it is stored: `spec.clusterIP`/`clusterIPs` and each port's `nodePort` filled
 * in where missing (kept from `current` on update, else allocated for `key`), user-given ones
 * checked. Pure: `taken` lists the other Services' addresses. Throws 422 like kube-apiserver.
 */
export function assignServiceAddresses(input: KubeObject, current: KubeObject | undefined, key: string, taken: TakenAddresses, range: ServiceRange = DEFAULT_SERVICE_RANGE): KubeObject {
  const service = structuredClone(input);
  const spec = (service.spec ??= {});
  const old = current?.spec ?? {};
  const issues: Issue[] = [];

  const given: string | undefined = spec.clusterIP || spec.clusterIPs?.[0] || undefined;
  if (spec.clusterIP && spec.clusterIPs?.length && spec.clusterIPs[0] !== spec.clusterIP) {
    issues.push(invalid('spec.clusterIPs', JSON.stringify(spec.clusterIPs), 'must be empty or the first value must match spec.clusterIP'));
  } else if ((spec.type ?? 'ClusterIP') === 'ExternalName') {
    delete spec.clusterIP;
    delete spec.clusterIPs;
  } else if (old.clusterIP && given && given !== old.clusterIP) {
    issues.push(invalid('spec.clusterIP', `"${given}"`, 'field is immutable'));
  } else if (given === 'None') {
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') issues.push(invalid('spec.clusterIP', '"None"', `may not be set to 'None' for ${spec.type} services`));
    spec.clusterIP = 'None';
    spec.clusterIPs = ['None'];
  } else if (given) {
    if (!isIPv4(given)) issues.push(invalid('spec.clusterIP', `"${given}"`, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
    else if (given !== old.clusterIP && !range.contains(given)) {
      issues.push(invalid('spec.clusterIP', `"${given}"`, `provided IP is not in the valid range. The range of valid IPs is ${range.cidr}`));
    } else if (given !== old.clusterIP && taken.ips.has(given)) issues.push(invalid('spec.clusterIP', `"${given}"`, 'provided IP is already allocated'));
    spec.clusterIP = given;
    spec.clusterIPs = [given];
  } else if (old.clusterIP) {
    // kube keeps the allocated address (or headlessness) when a replace (PUT) leaves it out.
    spec.clusterIP = old.clusterIP;
    spec.clusterIPs = [old.clusterIP];
  } else {
    const ip = allocateIP(key, taken.ips, range);
    if (!ip) throw ApiError.internal(`failed to allocate a serviceIP: range ${range.cidr} is full`);
    spec.clusterIP = ip;
    spec.clusterIPs = [ip];
  }

  assignNodePorts(spec, old, key, taken.nodePorts, issues);
  if (issues.length > 0) throw ApiError.invalid('Service', service.metadata.name ?? '', issues);
  return service;
}

function assignNodePorts(spec: any, old: any, key: string, taken: ReadonlySet<number>, issues: Issue[]): void {
  if (!Array.isArray(spec.ports)) return;
  const want = wantsNodePorts(spec);
  const used = new Set<number>();
  spec.ports.forEach((port: any, i: number) => {
    if (!port || typeof port !== 'object') return;
    const field = `spec.ports[${i}].nodePort`;
    if (!want) {
      // Leaving NodePort drops the ports it held (kube's dropTypeDependentFields); asking for one otherwise is an error.
      if (port.nodePort && wantsNodePorts(old)) delete port.nodePort;
      else if (port.nodePort && (spec.type ?? 'ClusterIP') === 'ClusterIP') issues.push({ reason: 'FieldValueForbidden', field, message: "Forbidden: may not be used when `type` is 'ClusterIP'" });
      return;
    }
    const previous: number | undefined = (old.ports ?? []).find((p: any) => samePort(p, port))?.nodePort;
    if (port.nodePort) {
      const n = port.nodePort;
      if (n !== previous && (n < NODE_PORT_MIN || n > NODE_PORT_MAX)) {
        issues.push(invalid(field, String(n), `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_MIN}-${NODE_PORT_MAX}`));
      } else if (n !== previous && (taken.has(n) || used.has(n))) issues.push(invalid(field, String(n), 'provided port is already allocated'));
    } else if (previous) {
      port.nodePort = previous;
    } else {
      const n = allocateNodePort(`${key}:${port.port}/${port.protocol ?? 'TCP'}`, (p) => taken.has(p) || used.has(p));
      if (!n) throw ApiError.internal(`failed to allocate a nodePort: range ${NODE_PORT_MIN}-${NODE_PORT_MAX} is full`);
      port.nodePort = n;
    }
    used.add(port.nodePort);
  });
}

/** The first free address probing from `hash(key)`; undefined when the range is full. */
export function allocateIP(key: string, taken: ReadonlySet<string>, range: ServiceRange = DEFAULT_SERVICE_RANGE): string | undefined {
  const count = range.candidates;
  const start = fnv1a(key) % count;
  for (let k = 0; k < count; k++) {
    const { ip, offset } = range.candidate((start + k) % count);
    if (!range.isStatic(offset) && !taken.has(ip)) return ip;
  }
  return undefined;
}

export function allocateNodePort(key: string, isTaken: (port: number) => boolean): number | undefined {
  const start = fnv1a(key) % NODE_PORT_COUNT;
  for (let k = 0; k < NODE_PORT_COUNT; k++) {
    const port = NODE_PORT_MIN + ((start + k) % NODE_PORT_COUNT);
    if (!isTaken(port)) return port;
  }
  return undefined;
}

function toIP(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function toNumber(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function isIPv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

function samePort(a: any, b: any): boolean {
  if (a?.name || b?.name) return a?.name === b?.name;
  return a?.port === b?.port && (a?.protocol ?? 'TCP') === (b?.protocol ?? 'TCP');
}

type Issue = { reason: string; field: string; message: string };

function invalid(field: string, shown: string, detail: string): Issue {
  return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${shown}: ${detail}` };
}

/**
 * The stateful half: what the projection's Services hold plus the addresses of Service writes
 * still in flight (two creates of different Services run under different stream locks, so the
 * projection alone could hand both the same address). A reservation lasts until the write has
 * been applied to the projection or has failed.
 */
export class ServiceAddressAllocator {
  private readonly inFlight = new Map<symbol, { stream: string; ips: string[]; nodePorts: number[] }>();

  constructor(
    private readonly projector: Projector,
    readonly range: ServiceRange = DEFAULT_SERVICE_RANGE,
  ) {}

  /** Runs `write` with the command's Service addresses assigned (Create and Update only). */
  async run<T>(namespace: string | undefined, name: string, command: WriteCommand, write: (command: WriteCommand) => Promise<T>): Promise<T> {
    if ((command.type !== 'Create' && command.type !== 'Update') || command.resource.kind !== 'Service') return write(command);
    const stream = streamName('Service', namespace, name);
    const current = this.projector.state.getByStream(stream);
    const object = assignServiceAddresses(command.object, current, `${namespace}/${name}`, this.taken(stream), this.range);
    const token = Symbol(stream);
    this.inFlight.set(token, {
      stream,
      ips: wantsClusterIP(object.spec) && object.spec.clusterIP ? [object.spec.clusterIP] : [],
      nodePorts: (object.spec?.ports ?? []).map((p: any) => p?.nodePort).filter((n: unknown): n is number => typeof n === 'number'),
    });
    try {
      return await write({ ...command, object });
    } finally {
      this.inFlight.delete(token);
    }
  }

  private taken(except: string): TakenAddresses {
    const ips = new Set<string>();
    const nodePorts = new Set<number>();
    for (const svc of this.projector.state.list('Service')) {
      if (streamName('Service', svc.metadata.namespace, svc.metadata.name!) === except) continue;
      if (svc.spec?.clusterIP && svc.spec.clusterIP !== 'None') ips.add(svc.spec.clusterIP);
      for (const p of svc.spec?.ports ?? []) if (p?.nodePort) nodePorts.add(p.nodePort);
    }
    for (const r of this.inFlight.values()) {
      if (r.stream === except) continue;
      r.ips.forEach((ip) => ips.add(ip));
      r.nodePorts.forEach((n) => nodePorts.add(n));
    }
    return { ips, nodePorts };
  }
}

const allocators = new WeakMap<Projector, ServiceAddressAllocator>();

/** One allocator per projection (i.e. per API server), created on first use with the server's range. */
export function serviceAllocatorFor(projector: Projector, range: ServiceRange = DEFAULT_SERVICE_RANGE): ServiceAddressAllocator {
  let a = allocators.get(projector);
  if (!a || a.range.cidr !== range.cidr) allocators.set(projector, (a = new ServiceAddressAllocator(projector, range)));
  return a;
}
