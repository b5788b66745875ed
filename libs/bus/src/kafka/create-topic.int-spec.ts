import { describeWithKafka, testKafkaBus } from '../testing/kafka-for-tests';

/** Components starting together on a fresh broker create the same topics at the same moment. */
describeWithKafka('createTopic racing another client', () => {
  it('succeeds for every client that creates the same topics at once, and the topics are usable', async () => {
    const buses = Array.from({ length: 4 }, (_, i) => testKafkaBus(`race-${i}`));
    const topics = Array.from({ length: 5 }, (_, i) => `race-${Math.random().toString(36).slice(2, 8)}-${i}`);
    try {
      await Promise.all(buses.flatMap((bus) => topics.map((t) => bus.createTopic(t, 6))));
      const producer = await buses[0].producer();
      await producer.send(topics[0], [{ key: 'k', value: 'v' }]);
      await producer.close();
    } finally {
      await Promise.all(buses.map((b) => b.close()));
    }
  }, 60_000);
});
