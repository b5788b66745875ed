export * from './event-bus.port';
export * from './errors';
export * from './registry';
export * from './dedupe-by-position';
export { partitionForKey, murmur2 } from './partitioner';
export { EmbeddedEventBus, type EmbeddedBusOptions } from './embedded/embedded-event-bus';
export { KafkaEventBus } from './kafka/kafka-event-bus';
export { KAFKA_DEFAULTS, type KafkaBusOptions } from './kafka/kafka-options';
