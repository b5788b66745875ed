import { KafkaEventBus } from './kafka/kafka-event-bus';
import { eventBusContract } from './testing/event-bus.contract';
import { KAFKA_IMAGE, type RunningKafkaContainer, startKafkaContainer } from './testing/kafka-container';
import { TEST_KAFKA_TIMINGS } from './testing/kafka-for-tests';
import { detectDockerEngine } from '@logbook/testing';

const engine = detectDockerEngine();
if (!engine.available) {
  // Said out loud, locally and under CI=true alike: neither has a Docker engine; the jar broker covers Kafka there.
  console.warn(`Kafka testcontainers path SKIPPED: no container engine (${engine.reason}). It starts ${KAFKA_IMAGE}; run it where Docker runs.`);
}

/** The testcontainers path of LOGBOOK_KAFKA=testcontainers: the kafkajs adapter's contract on Kafka in a container. */
(engine.available ? describe : describe.skip)(`kafkajs adapter on ${KAFKA_IMAGE}${engine.available ? '' : ` — skipped: ${engine.reason}`}`, () => {
  let kafka: RunningKafkaContainer;
  jest.setTimeout(180_000);

  beforeAll(async () => {
    kafka = await startKafkaContainer();
  });
  afterAll(async () => {
    await kafka?.stop();
  });

  eventBusContract('kafka container (kafkajs)', () => ({
    connect: () => new KafkaEventBus({ brokers: [kafka.brokers], clientId: 'logbook-container-test', ...TEST_KAFKA_TIMINGS }),
    dispose: async () => undefined,
  }));
});
