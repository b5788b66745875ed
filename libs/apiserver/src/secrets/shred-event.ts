import { randomUUID } from 'node:crypto';
import { CURRENT_SCHEMA_VERSION, type NewEvent } from '@logbook/events';

/** Appended by `logbook shred`: the Secret's data key was destroyed. Projections leave the object as it is. */
export const SECRET_SHREDDED = 'SecretShredded';

export interface SecretShreddedData {
  /** The incarnation whose data key was destroyed. */
  readonly uid: string;
}

export function secretShredded(uid: string, caller: { readonly actor: string; readonly correlationId: string; readonly causationId?: string }, now: string): NewEvent {
  return {
    id: randomUUID(),
    type: SECRET_SHREDDED,
    data: { uid } satisfies SecretShreddedData,
    metadata: { time: now, actor: caller.actor, correlationId: caller.correlationId, ...(caller.causationId ? { causationId: caller.causationId } : {}), schemaVersion: CURRENT_SCHEMA_VERSION },
  };
}
