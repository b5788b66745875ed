import type { TopicPartition } from '../event-bus.port';
import type { EmbeddedBroker } from './embedded-broker';

/** What the coordinator needs from a member. */
export interface GroupMember {
  readonly topics: readonly string[];
  /** Stop starting new messages, wait for the in-flight one; false if it did not in time. */
  revoke(timeoutMs: number): Promise<boolean>;
  assign(generation: number, partitions: TopicPartition[]): void;
  readonly sessionTimeoutMs: number;
}

/**
 * An eager, in-process rebalance: on every join or leave all members give up their
 * partitions (finishing their in-flight message, whose offset they commit), then the
 * partitions of each topic are split in ranges over the members subscribed to it, in join
 * order. A member that cannot finish within its session timeout is evicted, and commits
 * from it are refused from then on, like Kafka's fencing by generation.
 */
export class GroupCoordinator {
  private members: GroupMember[] = [];
  private generation = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly groupId: string,
    private readonly broker: EmbeddedBroker,
  ) {}

  join(member: GroupMember): Promise<void> {
    return this.serialise(async () => {
      this.members.push(member);
      await this.rebalance();
    });
  }

  leave(member: GroupMember): Promise<void> {
    return this.serialise(async () => {
      if (!this.members.includes(member)) return;
      this.members = this.members.filter((m) => m !== member);
      await this.rebalance();
    });
  }

  isMember(member: GroupMember): boolean {
    return this.members.includes(member);
  }

  private async rebalance(): Promise<void> {
    this.generation++;
    const results = await Promise.all(this.members.map((m) => m.revoke(m.sessionTimeoutMs)));
    this.members = this.members.filter((_, i) => results[i]);
    const plan = new Map<GroupMember, TopicPartition[]>(this.members.map((m) => [m, []]));
    const topics = [...new Set(this.members.flatMap((m) => m.topics))].sort();
    for (const topic of topics) {
      const subscribers = this.members.filter((m) => m.topics.includes(topic));
      const partitions = this.broker.partitionsOf(topic);
      const per = Math.floor(partitions / subscribers.length);
      const extra = partitions % subscribers.length;
      let next = 0;
      subscribers.forEach((member, i) => {
        const count = per + (i < extra ? 1 : 0);
        for (let p = next; p < next + count; p++) plan.get(member)!.push({ topic, partition: p });
        next += count;
      });
    }
    for (const [member, partitions] of plan) member.assign(this.generation, partitions);
  }

  private serialise(step: () => Promise<void>): Promise<void> {
    const run = this.queue.then(step);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
