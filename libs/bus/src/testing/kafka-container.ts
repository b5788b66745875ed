import { KafkaContainer, type StartedKafkaContainer } from '@testcontainers/kafka';

/**
 * Kafka in a container, for machines with a Docker engine (testcontainers). Logbook's own
 * machines and CI have none and use the jar broker of infra/kafka instead; both run Kafka 3.9.
 * Confluent's image because @testcontainers/kafka drives its scripts; 7.9.x ships Apache Kafka 3.9.
 */
export const KAFKA_IMAGE = process.env.KAFKA_IMAGE ?? 'confluentinc/cp-kafka:7.9.1';

export interface RunningKafkaContainer {
  /** `host:port` for clients on this machine. */
  readonly brokers: string;
  stop(): Promise<void>;
}

/** A single-node KRaft broker configured like infra/kafka/kafka.sh's (short test sessions allowed). */
export async function startKafkaContainer(image = KAFKA_IMAGE): Promise<RunningKafkaContainer> {
  const container: StartedKafkaContainer = await new KafkaContainer(image)
    .withKraft()
    .withEnvironment({
      KAFKA_GROUP_MIN_SESSION_TIMEOUT_MS: '1000',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'true',
      KAFKA_NUM_PARTITIONS: '1',
    })
    .start();
  return {
    brokers: `${container.getHost()}:${container.getMappedPort(9093)}`,
    stop: async () => {
      await container.stop();
    },
  };
}
