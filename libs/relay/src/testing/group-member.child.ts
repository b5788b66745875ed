// A consumer-group member in its own process, so a test can SIGKILL it (a real crash: no
// commit, no LeaveGroup). Prints one JSON line per processed message and per assignment change.
// env: KAFKA_BROKERS, TOPIC, GROUP_ID, DELAY_MS (per message)
import { positionOf } from '@logbook/bus';
import { testKafkaBus } from '../../../bus/src/testing/kafka-for-tests';

async function main(): Promise<void> {
  const bus = testKafkaBus('group-member-child');
  const consumer = await bus.consumer({ groupId: process.env.GROUP_ID!, topics: [process.env.TOPIC!], fromBeginning: true });
  const delay = Number(process.env.DELAY_MS ?? 0);
  await consumer.run(async (m) => {
    if (delay) await new Promise((r) => setTimeout(r, delay));
    process.stdout.write(`${JSON.stringify({ partition: m.partition, offset: Number(m.offset), position: positionOf(m) })}\n`);
  });
  let last = '';
  setInterval(() => {
    const now = JSON.stringify(consumer.assignment().map((a) => a.partition).sort());
    if (now !== last) process.stdout.write(`${JSON.stringify({ assigned: JSON.parse(now) })}\n`);
    last = now;
  }, 50);
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
