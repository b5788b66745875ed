import { EmbeddedStore } from './embedded-store';
import { GroupCoordinator } from './group-coordinator';
import type { OutgoingMessage } from '../event-bus.port';
import { BusError } from '../errors';
import { partitionForKey } from '../partitioner';

/**
 * One embedded broker per data file in the process: every EventBus opened on the same
 * directory shares its store, its groups and its wake-ups, the way clients of one Kafka
 * cluster share the cluster. Reference-counted; the file closes with the last bus.
 */
export class EmbeddedBroker {
  private static readonly open = new Map<string, EmbeddedBroker>();
  private refs = 0;
  private readonly groups = new Map<string, GroupCoordinator>();
  private readonly waiters = new Set<() => void>();
  private roundRobin = 0;

  private constructor(
    private readonly id: string,
    readonly store: EmbeddedStore,
  ) {}

  static acquire(file: string): EmbeddedBroker {
    let broker = file === ':memory:' ? undefined : EmbeddedBroker.open.get(file);
    if (!broker) {
      broker = new EmbeddedBroker(file, new EmbeddedStore(file));
      if (file !== ':memory:') EmbeddedBroker.open.set(file, broker);
    }
    broker.refs++;
    return broker;
  }

  release(): void {
    if (--this.refs > 0) return;
    EmbeddedBroker.open.delete(this.id);
    this.store.close();
  }

  createTopic(topic: string, partitions: number): void {
    this.store.createTopic(topic, partitions);
    this.notify();
  }

  partitionsOf(topic: string): number {
    const n = this.store.partitionsOf(topic);
    if (n === undefined) throw new BusError(`unknown topic ${topic}`, { code: 'UnknownTopic', retriable: true });
    return n;
  }

  append(batch: readonly { topic: string; messages: readonly OutgoingMessage[] }[]): void {
    const entries = batch.flatMap(({ topic, messages }) => {
      const partitions = this.partitionsOf(topic);
      return messages.map((message) => ({
        topic,
        message,
        partition: message.key === null ? this.roundRobin++ % partitions : partitionForKey(message.key, partitions),
      }));
    });
    this.store.append(entries, Date.now());
    this.notify();
  }

  group(groupId: string): GroupCoordinator {
    let group = this.groups.get(groupId);
    if (!group) {
      group = new GroupCoordinator(groupId, this);
      this.groups.set(groupId, group);
    }
    return group;
  }

  /** Resolves on the next append, topic creation or explicit notify (or after `ms`). */
  waitForChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  notify(): void {
    for (const wake of [...this.waiters]) wake();
  }
}
