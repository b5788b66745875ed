import type { EventStore } from '@logbook/eventstore';
import type { StoredEvent } from '@logbook/events';
import type { KubeObject } from '@logbook/kube';
import { PatchConflict, evolveObject } from '@logbook/projections';
import { type AuditEntry, toAuditEntry } from './audit';
import { type ContainerRestart, restartsBetween, statusSummary } from './status-summary';

export interface ExplainStep extends AuditEntry {
  /** The node a PodBound bound the pod to. */
  readonly node?: string;
  /** Containers this event shows restarted (their restartCount went up), with the exit before. */
  readonly restarts?: ContainerRestart[];
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
  // The object before and after each later event, so that status writes can say what they did.
  let object: KubeObject | undefined;
  for (const e of events.slice(0, created + 1)) object = evolveSkippingConflicts(object, e);
  for (const e of events.slice(created + 1)) {
    const before = object;
    object = evolveSkippingConflicts(object, e);
    const s = withStatusSummary(step(e), e, before, object);
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

/** As the projection folds: a patch that does not apply is skipped. */
function evolveSkippingConflicts(object: KubeObject | undefined, e: StoredEvent): KubeObject | undefined {
  try {
    return evolveObject(object, e);
  } catch (error) {
    if (error instanceof PatchConflict) return object;
    throw error;
  }
}

/** A status write's own words (phase change, restarts) instead of the list of fields it touched. */
function withStatusSummary(s: ExplainStep, e: StoredEvent, before: KubeObject | undefined, after: KubeObject | undefined): ExplainStep {
  if (!e.type.endsWith('StatusChanged')) return s;
  const restarts = restartsBetween(before, after);
  const summary = statusSummary(before, after, restarts);
  return { ...s, ...(summary ? { detail: summary } : {}), ...(restarts.length > 0 ? { restarts } : {}) };
}

function step(e: StoredEvent): ExplainStep {
  const entry = toAuditEntry(e);
  return e.type === 'PodBound' ? { ...entry, node: (e.data as { nodeName?: string })?.nodeName } : entry;
}
