import type { CachedChange, Controller, ObjectCache, ReconcileContext } from '@logbook/components';
import type { KubeObject } from '@logbook/kube';
import { CidrAllocator, DEFAULT_CLUSTER_CIDR, DEFAULT_NODE_CIDR_MASK_SIZE } from './cidr-allocator';

export interface NodeIpamOptions {
  /** `--cluster-cidr` / LOGBOOK_CLUSTER_CIDR (default 10.244.0.0/16). */
  readonly clusterCidr?: string;
  /** `--node-cidr-mask-size` / LOGBOOK_NODE_CIDR_MASK_SIZE (default 24: 256 nodes in a /16). */
  readonly nodeCidrMaskSize?: number;
}

/** Hollow nodes run no pod network: they get no CIDR, so benchmarks of 1,000 of them leave the pool to real nodes. */
const HOLLOW_LABEL = 'node.logbook.io/hollow';
const isHollow = (node: KubeObject | undefined) => node?.metadata.labels?.[HOLLOW_LABEL] === 'true';
const cidrOf = (node: KubeObject | undefined): string | undefined => node?.spec?.podCIDR || node?.spec?.podCIDRs?.[0] || undefined;

/**
 * The node IPAM controller (kube-controller-manager's nodeipam, RangeAllocator): gives each Node a
 * `spec.podCIDR` (and `spec.podCIDRs`) cut from the cluster CIDR; the node agent reads it and
 * writes its CNI config. The allocation is rebuilt from the Nodes' podCIDRs on start, so it is
 * stable across restarts; a deleted Node's CIDR becomes free again. When the cluster CIDR is full
 * the node gets the Event CIDRNotAvailable and waits until a CIDR is freed (no retry per
 * heartbeat). One worker: allocations of one replica never race each other.
 */
export class NodeIpamController implements Controller {
  readonly name = 'node-ipam-controller';
  readonly primaryKind = 'Node';
  readonly watches = ['Node'] as const;
  readonly workers = 1;
  private readonly allocator: CidrAllocator;
  /** The cache the allocator mirrors; until the first reconcile there is none. */
  private mirrored?: ObjectCache;
  /** Nodes that found the pool full; a freed CIDR brings them back. */
  private readonly waiting = new Set<string>();

  constructor(options: NodeIpamOptions = {}) {
    this.allocator = new CidrAllocator(options.clusterCidr ?? DEFAULT_CLUSTER_CIDR, options.nodeCidrMaskSize ?? DEFAULT_NODE_CIDR_MASK_SIZE);
  }

  keysFor(change: CachedChange): string[] {
    const { before, after } = change;
    const name = (after ?? before)!.metadata.name!;
    const was = cidrOf(before);
    const now = cidrOf(after);
    if (this.mirrored && was !== now) {
      if (was) this.allocator.release(was);
      if (now) this.allocator.occupy(now);
    }
    if (!after) {
      this.waiting.delete(name);
      return was ? [...this.waiting] : [];
    }
    if (now || isHollow(after) || this.waiting.has(name)) return [];
    return [name];
  }

  async reconcile(name: string, ctx: ReconcileContext): Promise<void> {
    this.sync(ctx.cache);
    const node = ctx.cache.get('Node', undefined, name);
    if (!node || cidrOf(node) || isHollow(node) || node.metadata.deletionTimestamp) {
      this.waiting.delete(name);
      return;
    }
    const cidr = this.allocator.allocate();
    if (!cidr) {
      this.waiting.add(name);
      // kube's wording (nodeutil.RecordNodeStatusChange).
      ctx.recorder.event(node, 'Normal', 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable`, ctx.cause);
      ctx.log.warn({ node: name, clusterCidr: this.clusterCidr, maskSize: this.allocator.maskSize }, 'no pod CIDR left for the node');
      return;
    }
    this.waiting.delete(name);
    try {
      await ctx.client.update({ ...structuredClone(node), spec: { ...structuredClone(node.spec ?? {}), podCIDR: cidr, podCIDRs: [cidr] } }, ctx.cause);
    } catch (err) {
      this.allocator.release(cidr);
      throw err;
    }
    ctx.log.info({ node: name, podCIDR: cidr }, 'pod CIDR allocated');
  }

  get clusterCidr(): string {
    const c = this.allocator.cluster;
    return `${c.base >>> 24}.${(c.base >>> 16) & 255}.${(c.base >>> 8) & 255}.${c.base & 255}/${c.prefix}`;
  }

  /** Rebuilds the allocation from the Nodes' podCIDRs the first time (and after a cache swap). */
  private sync(cache: ObjectCache): void {
    if (this.mirrored === cache) return;
    for (const node of cache.list('Node')) {
      const cidr = cidrOf(node);
      if (cidr) this.allocator.occupy(cidr);
    }
    this.mirrored = cache;
  }
}
