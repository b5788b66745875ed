/** Stops the container kafka-global-setup.ts started, if it started one. */
export default async function kafkaGlobalTeardown(): Promise<void> {
  await (globalThis as { logbookKafka?: { stop(): Promise<void> } }).logbookKafka?.stop();
}
