import { eventBusContract } from './testing/event-bus.contract';
import { describeWithKafka, testKafkaBus } from './testing/kafka-for-tests';

describeWithKafka('kafkajs adapter on a real broker', () => {
  eventBusContract('kafka (kafkajs)', () => ({
    connect: () => testKafkaBus(),
    dispose: async () => undefined,
  }));
});
