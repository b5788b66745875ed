import { ApiError, type KubeObject, resolveResource, streamName } from '@logbook/kube';
import type { EventStore } from '@logbook/eventstore';
import { evolveObject } from '@logbook/projections';
import { changeList, type FieldChange } from './change-list';

export interface HistoryEntry {
  readonly position: number;
  readonly revision: number;
  readonly id: string;
  readonly type: string;
  readonly time: string;
  readonly actor: string;
  readonly causationId?: string;
  readonly correlationId?: string;
  readonly uid?: string;
  readonly changes: FieldChange[];
}

/**
 * Every event of one object's stream, each with the field-level change it made. The stream
 * outlives the object, so history answers for deleted objects too.
 */
export async function objectHistory(store: EventStore, kindName: string, namespace: string | undefined, name: string, range: HistoryRange = {}, view?: ObjectView): Promise<HistoryEntry[]> {
  const resource = resolveResource(kindName);
  if (!resource) throw ApiError.badRequest(`unknown kind "${kindName}": use a kind, plural or short name such as deployment, pods or svc`);
  return streamHistory(store, streamName(resource.kind, resource.namespaced ? namespace ?? 'default' : undefined, name), range, view);
}

/** Position bounds of a history read: after (exclusive) and to (inclusive). */
export interface HistoryRange {
  readonly after?: number;
  readonly to?: number;
}

/**
 * The history of the object with this uid: its stream found through its Created event (also
 * after deletion), narrowed to that incarnation, since a re-created object reuses the stream.
 */
export async function uidHistory(store: EventStore, uid: string, range: HistoryRange = {}, view?: ObjectView): Promise<{ stream: string; entries: HistoryEntry[] } | undefined> {
  const created = await store.findCreation(uid);
  if (!created) return undefined;
  const entries = await streamHistory(store, created.stream, range, view);
  return { stream: created.stream, entries: entries.filter((e) => e.uid === uid) };
}

/**
 * How an object is shown to the reader: Secrets are folded sealed and shown opened,
 * redacted or `[shredded]` (secrets/secret-ops.ts secretForView).
 */
export type ObjectView = (obj: KubeObject | undefined) => KubeObject | undefined;

/** Folds the whole stream (changes need the object before each event), then keeps the range. */
export async function streamHistory(store: EventStore, stream: string, range: HistoryRange = {}, view: ObjectView = (o) => o): Promise<HistoryEntry[]> {
  const { after = 0, to = Number.MAX_SAFE_INTEGER } = range;
  const events = await store.readStream(stream);
  let state: any;
  return events.map((e): HistoryEntry => {
    const before = state;
    state = evolveObject(state, e);
    const { time, actor, causationId, correlationId } = e.metadata;
    return {
      position: e.position,
      revision: e.revision,
      id: e.id,
      type: e.type,
      time,
      actor,
      ...(causationId ? { causationId } : {}),
      ...(correlationId ? { correlationId } : {}),
      uid: (state ?? before)?.metadata?.uid,
      changes: state === undefined ? [] : changeList(view(before), view(state)),
    };
  }).filter((e) => e.position > after && e.position <= to);
}
