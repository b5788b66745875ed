/**
 * Hollow nodes and their pods live on loopback addresses that nothing else hands out: nodes in
 * 127.64.0.0/10, pods in 127.128.0.0/9 (the process runtime uses 127.1.0.0/16 and the proxy
 * 127.96.0.0/16). A pod address encodes its node's index and a slot, so two nodes never hand
 * out the same address and an address says which node it lives on.
 */
const NODE_BASE = 0x400000;
const POD_BASE = 0x800000;
export const POD_SLOTS = 254;
const MAX_NODE_INDEX = (0x800000 >> 8) - 1;

function loopback(offset: number): string {
  return `127.${(offset >> 16) & 255}.${(offset >> 8) & 255}.${offset & 255}`;
}

export function nodeAddress(index: number): string {
  return loopback(NODE_BASE + index + 1);
}

export function podAddress(nodeIndex: number, slot: number): string {
  if (nodeIndex > MAX_NODE_INDEX) throw new Error(`hollow node index ${nodeIndex} has no pod address range`);
  return loopback(POD_BASE + nodeIndex * 256 + slot);
}

/** Pod IPs of one node, by pod key; a key keeps its address until the pod is gone. */
export class PodIpAllocator {
  private readonly byKey = new Map<string, string>();
  private readonly used = new Set<string>();
  private next = 1;

  constructor(private readonly nodeIndex: number) {}

  allocate(key: string): string {
    const held = this.byKey.get(key);
    if (held) return held;
    for (let tried = 0; tried < POD_SLOTS; tried++) {
      const ip = podAddress(this.nodeIndex, this.next);
      this.next = (this.next % POD_SLOTS) + 1;
      if (this.used.has(ip)) continue;
      this.claim(key, ip);
      return ip;
    }
    throw new Error(`hollow node #${this.nodeIndex} has no free pod address (${POD_SLOTS} in use)`);
  }

  /** Records an address a pod already reports (e.g. after the agent restarted). */
  claim(key: string, ip: string): void {
    const held = this.byKey.get(key);
    if (held) this.used.delete(held);
    this.byKey.set(key, ip);
    this.used.add(ip);
  }

  release(key: string): void {
    const ip = this.byKey.get(key);
    if (ip === undefined) return;
    this.byKey.delete(key);
    this.used.delete(ip);
  }
}
