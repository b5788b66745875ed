import { spawnSync } from 'node:child_process';
import { KafkaEventBus } from '../kafka/kafka-event-bus';

/** Brokers the Kafka tests use: `KAFKA_BROKERS` (comma-separated) or the local broker of `npm run kafka:up`. */
export function testBrokers(): string[] {
  return (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim()).filter(Boolean);
}

/** Timings that keep tests fast; the local broker lowers group.min.session.timeout.ms to 1000. */
export const TEST_KAFKA_TIMINGS = { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500, maxWaitTimeMs: 200, rebalanceTimeoutMs: 10_000 };

export function testKafkaBus(clientId = 'logbook-test'): KafkaEventBus {
  return new KafkaEventBus({ brokers: testBrokers(), clientId, ...TEST_KAFKA_TIMINGS });
}

let probed: string | null | undefined;

/** Null when a TCP connection to the first broker succeeds, else why not (checked once, synchronously). */
export function kafkaUnavailableReason(): string | null {
  if (probed !== undefined) return probed;
  const [host, port] = testBrokers()[0].split(':');
  const probe = spawnSync(
    process.execPath,
    ['-e', `const s=require('net').connect(${Number(port)},${JSON.stringify(host)},()=>{s.end();process.exit(0)});s.on('error',()=>process.exit(1));setTimeout(()=>process.exit(2),1500)`],
    { timeout: 5_000 },
  );
  probed = probe.status === 0 ? null : `no Kafka broker at ${testBrokers().join(',')} (start one with \`npm run kafka:up\`, or set KAFKA_BROKERS)`;
  return probed;
}

/**
 * `describe` for suites that need a real broker. Without one they are skipped with a message
 * saying why, except under CI=true where they fail: CI must never go green without Kafka.
 */
export function describeWithKafka(name: string, body: () => void): void {
  const reason = kafkaUnavailableReason();
  if (reason === null) {
    describe(name, body);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      test('needs a reachable Kafka broker', () => {
        throw new Error(`${reason}; CI=true, so Kafka tests fail instead of being skipped`);
      });
    });
  } else {
    console.warn(`[skipped] ${name}: ${reason}`);
    describe.skip(name, body);
  }
}
