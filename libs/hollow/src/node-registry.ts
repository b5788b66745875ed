import { PodIpAllocator, nodeAddress } from './addresses';

export interface HollowNode {
  readonly name: string;
  readonly index: number;
  readonly address: string;
  readonly podIps: PodIpAllocator;
  paused: boolean;
}

/** The nodes one hollow agent plays, shared by its heartbeats and its kubelet. */
export class HollowNodeRegistry {
  private readonly nodes = new Map<string, HollowNode>();

  constructor(namePrefix: string, count: number, firstIndex = 0) {
    for (let i = firstIndex; i < firstIndex + count; i++) {
      const name = `${namePrefix}${i}`;
      this.nodes.set(name, { name, index: i, address: nodeAddress(i), podIps: new PodIpAllocator(i), paused: false });
    }
  }

  get names(): string[] {
    return [...this.nodes.keys()];
  }

  get(name: string | undefined): HollowNode | undefined {
    return name === undefined ? undefined : this.nodes.get(name);
  }

  has(name: string | undefined): boolean {
    return name !== undefined && this.nodes.has(name);
  }

  /** The node, or an error naming the unknown node (pause/resume of a typo must not pass silently). */
  require(name: string): HollowNode {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`${name} is not a hollow node of this agent`);
    return node;
  }
}
