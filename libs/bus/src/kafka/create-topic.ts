import type { Admin } from 'kafkajs';

/** Errors a topic gives while its creation (ours or another client's) is still propagating. */
const PROPAGATING = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_CONTROLLER', 'REQUEST_TIMED_OUT']);

/**
 * Creates a topic and returns once every partition has a leader. On KRaft, when two clients
 * create the same topic at once (two components starting together on a fresh broker), the
 * loser's metadata fetch can fail with "This server does not host this topic-partition" until
 * the topic propagates (kafkajs #815, #1563); that is retried until the deadline, not thrown.
 */
export async function createTopicAndWait(admin: Admin, topic: string, partitions: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1_000)) {
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
      if (await hasLeaders(admin, topic)) return;
    } catch (error) {
      if (!isAlreadyExists(error) && !isPropagating(error)) throw error;
      if (await hasLeaders(admin, topic).catch(() => false)) return;
    }
    if (Date.now() > deadline) throw new Error(`topic ${topic} has no leaders after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

async function hasLeaders(admin: Admin, topic: string): Promise<boolean> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
  const parts = topics[0]?.partitions ?? [];
  return parts.length > 0 && parts.every((p) => p.leader >= 0);
}

function errorTypes(error: unknown): string[] {
  const e = error as { type?: string; errors?: { type?: string }[]; message?: string };
  const types = [e?.type, ...(e?.errors ?? []).map((x) => x?.type)].filter((t): t is string => !!t);
  if (/does not host this topic-partition/.test(e?.message ?? '')) types.push('UNKNOWN_TOPIC_OR_PARTITION');
  return types;
}

export function isAlreadyExists(error: unknown): boolean {
  const types = errorTypes(error);
  return types.length > 0 && types.every((t) => t === 'TOPIC_ALREADY_EXISTS');
}

function isPropagating(error: unknown): boolean {
  return errorTypes(error).some((t) => PROPAGATING.has(t));
}
