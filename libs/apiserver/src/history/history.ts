import { ApiError, resolveResource, streamName } from '@logbook/kube';
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
export async function objectHistory(store: EventStore, kindName: string, namespace: string | undefined, name: string): Promise<HistoryEntry[]> {
  const resource = resolveResource(kindName);
  if (!resource) throw ApiError.badRequest(`unknown kind "${kindName}": use a kind, plural or short name such as deployment, pods or svc`);
  const events = await store.readStream(streamName(resource.kind, resource.namespaced ? namespace ?? 'default' : undefined, name));
  let state: any;
  return events.map((e) => {
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
      changes: state === undefined ? [] : changeList(before, state),
    };
  });
}
