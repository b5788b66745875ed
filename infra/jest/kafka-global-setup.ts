import { startKafkaContainer } from '../../libs/bus/src/testing/kafka-container';

/**
 * `LOGBOOK_KAFKA=testcontainers npm test` on a machine with Docker: the suite's broker is a
 * container started here, and every test worker finds it through KAFKA_BROKERS (workers are
 * spawned after global set-up and inherit its environment). Otherwise nothing happens and the
 * tests use the jar broker that infra/scripts/test.sh started.
 */
export default async function kafkaGlobalSetup(): Promise<void> {
  if (process.env.LOGBOOK_KAFKA !== 'testcontainers') return;
  process.stdout.write('[kafka] starting a Kafka container (testcontainers)...\n');
  const kafka = await startKafkaContainer().catch((err: Error) => {
    throw new Error(`LOGBOOK_KAFKA=testcontainers needs a Docker engine, and starting Kafka failed: ${err.message}. Unset LOGBOOK_KAFKA to use the jar broker (npm run kafka:up).`);
  });
  process.env.KAFKA_BROKERS = kafka.brokers;
  (globalThis as { logbookKafka?: { stop(): Promise<void> } }).logbookKafka = kafka;
  process.stdout.write(`[kafka] container ready at ${kafka.brokers}\n`);
}
