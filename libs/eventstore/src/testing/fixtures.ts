import { randomUUID } from 'node:crypto';
import { CURRENT_SCHEMA_VERSION, type EventMetadata, type NewEvent } from '@logbook/events';

/** A valid event; override what the test is about. */
export function anEvent(overrides: Partial<Omit<NewEvent, 'metadata'>> & { metadata?: Partial<EventMetadata> } = {}): NewEvent {
  return {
    id: overrides.id ?? randomUUID(),
    type: overrides.type ?? 'PodCreated',
    data: overrides.data ?? { n: Math.random() },
    metadata: {
      time: new Date().toISOString(),
      actor: 'test',
      schemaVersion: CURRENT_SCHEMA_VERSION,
      ...overrides.metadata,
    },
  };
}

export function events(count: number, overrides: Parameters<typeof anEvent>[0] = {}): NewEvent[] {
  return Array.from({ length: count }, () => anEvent(overrides));
}

export function streamName(prefix = 'pod/default'): string {
  return `${prefix}/${randomUUID().slice(0, 8)}`;
}

/** Polls `check` until it stops throwing, or rethrows its last error at the deadline. */
export async function eventually(check: () => void | Promise<void>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}
