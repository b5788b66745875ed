import type { EventBus } from './event-bus.port';
import { BusError } from './errors';
import { EmbeddedEventBus, type EmbeddedBusOptions } from './embedded/embedded-event-bus';
import { KafkaEventBus } from './kafka/kafka-event-bus';
import type { KafkaBusOptions } from './kafka/kafka-options';

export interface CreateEventBusOptions {
  readonly kafka?: Omit<KafkaBusOptions, 'brokers'>;
  readonly embedded?: Omit<EmbeddedBusOptions, 'dir'>;
}

/**
 * Chooses the adapter from a URL:
 * - `kafka://host:port[,host:port…]` — a Kafka cluster through kafkajs;
 * - `embedded:<dir>` — the in-process bus, durable in `<dir>/bus.sqlite`;
 * - `memory:` (or `embedded:` without a dir) — the in-process bus in memory.
 */
export function createEventBus(url: string, options: CreateEventBusOptions = {}): EventBus {
  if (url.startsWith('kafka://')) {
    const brokers = url
      .slice('kafka://'.length)
      .replace(/\/+$/, '')
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean);
    if (brokers.length === 0) throw new BusError(`no brokers in ${url}`, { code: 'InvalidBusUrl' });
    return new KafkaEventBus({ ...options.kafka, brokers });
  }
  if (url.startsWith('embedded:')) {
    const dir = url.slice('embedded:'.length).replace(/^\/\/(?=\/)/, '');
    return new EmbeddedEventBus({ ...options.embedded, dir: dir || undefined });
  }
  if (url === 'memory:' || url === 'memory') return new EmbeddedEventBus({ ...options.embedded });
  throw new BusError(`unsupported bus URL ${url} (kafka://host:port, embedded:<dir>, memory:)`, { code: 'InvalidBusUrl' });
}
