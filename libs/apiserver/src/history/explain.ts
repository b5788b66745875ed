import type { EventStore } from '@logbook/eventstore';
import type { StoredEvent } from '@logbook/events';
import { type AuditEntry, toAuditEntry } from './audit';

export interface ExplainStep extends AuditEntry {
  /** The node a PodBound bound the pod to. */
  readonly node?: string;
}

export interface Explanation {
  /**
   * From the root cause (the first event without a causationId, normally a user's request)
   * down to the event that created the object.
   */
  readonly chain: ExplainStep[];
  /** The object's own events after its creation (bound, status, updates), each naming its cause. */
  readonly events: (ExplainStep & { readonly cause?: ExplainStep })[];
  /** The root's actor, and whether it was a user rather than a component (`system:…`). */
  readonly rootActor: string;
  readonly rootIsUser: boolean;
}

const MAX_DEPTH = 64;

/**
 * Why an object is as it is: walks `causationId` back from the event that created its current
 * incarnation to the request at the root, then lists what happened to it since. Returns
 * undefined when the stream has no creation event.
 */
export async function explainStream(store: EventStore, stream: string): Promise<Explanation | undefined> {
  const events = await store.readStream(stream);
  let created = -1;
  for (let i = events.length - 1; i >= 0; i--) {
    if (events[i].type.endsWith('Created')) {
      created = i;
      break;
    }
  }
  if (created < 0) return undefined;
  const chain: ExplainStep[] = [step(events[created])];
  const seen = new Set<string>([events[created].id]);
  let cursor: StoredEvent | undefined = events[created];
  while (cursor?.metadata.causationId && chain.length < MAX_DEPTH) {
    const id: string = cursor.metadata.causationId;
    if (seen.has(id)) break; // a cycle would be a bug elsewhere; never loop on it
    seen.add(id);
    cursor = await store.readEvent(id);
    if (cursor) chain.unshift(step(cursor));
  }
  const causes = new Map<string, ExplainStep>(chain.map((s) => [s.id, s]));
  const later: Explanation['events'] = [];
  for (const e of events.slice(created + 1)) {
    const s = step(e);
    const causeId = e.metadata.causationId;
    let cause = causeId ? causes.get(causeId) : undefined;
    if (causeId && !cause) {
      const c = await store.readEvent(causeId);
      if (c) causes.set(causeId, (cause = step(c)));
    }
    later.push({ ...s, ...(cause ? { cause } : {}) });
    causes.set(s.id, s);
  }
  const root = chain[0];
  return { chain, events: later, rootActor: root.actor, rootIsUser: !root.actor.startsWith('system:') };
}

function step(e: StoredEvent): ExplainStep {
  const entry = toAuditEntry(e);
  return e.type === 'PodBound' ? { ...entry, node: (e.data as { nodeName?: string })?.nodeName } : entry;
}
