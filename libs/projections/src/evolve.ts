import type { KubeObject } from '@logbook/kube';
import {
  DELETION_REQUESTED,
  OBJECT_DELETED,
  type DeletionRequestedData,
  type ObjectCreatedData,
  type ObjectUpdatedData,
  type PodBoundData,
  type ScaledData,
  type StoredEvent,
} from '@logbook/events';
import { CowDocument } from './immutable-patch';

/** `Created` … `Scaled`, plus the two deletion events every stream can end with. */
type Verb = 'Created' | 'Updated' | 'StatusChanged' | 'Bound' | 'Scaled' | typeof DELETION_REQUESTED | typeof OBJECT_DELETED;

const TYPE = /^[A-Z][A-Za-z]*?(Created|Updated|StatusChanged|Bound|Scaled)$/;

/**
 * The fold of one object's stream: the object after `event`, given the object before it.
 *
 * Pure and deterministic: no clock, no I/O, and neither `current` nor `event` is modified.
 * The result shares unchanged subtrees with `current` and with the event's data (copy-on-write),
 * so callers must treat every projected object as frozen.
 *
 * Every event that changes an object sets `metadata.resourceVersion` to the event's position
 * (DESIGN §1: resourceVersion is the global log position). Beyond that, evolve only records
 * what the event says; the writer decides everything else and puts it in the event:
 * - `<Kind>Updated` / `<Kind>StatusChanged` patches already carry the new `metadata.generation`;
 * - `PodBound` sets `spec.nodeName` only (no PodScheduled condition: that is a status write);
 * - `<Kind>Scaled` sets `spec.replicas` and bumps `metadata.generation`, since the scale
 *   subresource changes the spec without a patch;
 * - `DeletionRequested` sets `deletionTimestamp` (and the grace period when the event has one).
 *
 * Defensive, never throwing for a well-formed log: an event for an object that does not exist
 * (other than `Created`) and an event type this code does not know leave `current` as it is.
 * A patch that does not apply throws `PatchConflict`; the caller decides (ClusterState skips it).
 */
export function evolveObject(current: KubeObject | undefined, event: StoredEvent): KubeObject | undefined {
  const verb = verbOf(event.type);
  if (verb === undefined) return current;
  if (verb === 'Created') {
    const { object } = event.data as ObjectCreatedData;
    return { ...object, metadata: { ...object.metadata, resourceVersion: String(event.position) } };
  }
  if (current === undefined) return undefined;
  if (verb === OBJECT_DELETED) return undefined;

  const doc = new CowDocument(current);
  switch (verb) {
    case 'Updated':
    case 'StatusChanged':
      for (const op of (event.data as ObjectUpdatedData).patch) doc.apply(op);
      break;
    case 'Bound':
      doc.set(['spec', 'nodeName'], (event.data as PodBoundData).nodeName);
      break;
    case 'Scaled':
      doc.set(['spec', 'replicas'], (event.data as ScaledData).replicas);
      doc.set(['metadata', 'generation'], (current.metadata.generation ?? 0) + 1);
      break;
    case DELETION_REQUESTED: {
      const data = event.data as DeletionRequestedData;
      doc.set(['metadata', 'deletionTimestamp'], data.deletionTimestamp);
      if (data.gracePeriodSeconds !== undefined) doc.set(['metadata', 'deletionGracePeriodSeconds'], data.gracePeriodSeconds);
      break;
    }
    default: {
      const unhandled: never = verb;
      return unhandled;
    }
  }
  doc.set(['metadata', 'resourceVersion'], String(event.position));
  return doc.root as KubeObject;
}

function verbOf(type: string): Verb | undefined {
  if (type === DELETION_REQUESTED || type === OBJECT_DELETED) return type;
  return TYPE.exec(type)?.[1] as Verb | undefined;
}
