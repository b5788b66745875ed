import { ObjectCache, type ReconcileContext, RecordedEvents } from '@logbook/components';
import type { KubeObject } from '@logbook/kube';
import { RecordingClient } from './recording-client';

export const CAUSE = { causationId: 'evt-1', correlationId: 'req-1' };

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** A cache holding `objects`, a recording client, a recording Event recorder and a fixed clock: what `reconcile` needs. */
export function fixture(objects: readonly KubeObject[], now = '2026-01-01T00:00:00Z'): { ctx: ReconcileContext; client: RecordingClient; cache: ObjectCache; events: RecordedEvents } {
  const cache = new ObjectCache();
  cache.bootstrap(objects.map((o) => withDefaults(o)), 1);
  const client = new RecordingClient();
  const at = new Date(now);
  const events = new RecordedEvents();
  return { ctx: { cache, client, cause: CAUSE, now: () => at, log: silent, recorder: events }, client, cache, events };
}

/** Adds the fields the API server sets (uid, resourceVersion) when a test left them out. */
function withDefaults(o: KubeObject): KubeObject {
  const copy = structuredClone(o);
  copy.metadata.uid ??= `uid-${o.kind.toLowerCase()}-${o.metadata.name}`;
  copy.metadata.resourceVersion ??= '1';
  return copy;
}

/** `seconds` after `base`, as the ISO string objects carry. */
export function at(base: string, seconds: number): string {
  return new Date(Date.parse(base) + seconds * 1000).toISOString().replace('.000Z', 'Z');
}
