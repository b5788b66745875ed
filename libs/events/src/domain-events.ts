import type { Operation } from 'fast-json-patch';
import type { KubeObject } from '@logbook/kube';

/**
 * Domain events. Type names are `<Kind><Verb>` for verbs that exist for every kind
 * (`PodCreated`, `DeploymentUpdated`, `ServiceStatusChanged`), plus kind-specific ones
 * (`PodBound`, `DeploymentScaled`) and two that every stream ends with
 * (`DeletionRequested`, `ObjectDeleted`). docs/events.md is the catalogue.
 */
export interface ObjectCreatedData {
  /** The object as stored, without `resourceVersion` (that is the event's position). */
  readonly object: KubeObject;
}

export interface ObjectUpdatedData {
  /** RFC 6902 operations that turn the previous object into the new one. */
  readonly patch: Operation[];
}

export interface PodBoundData {
  readonly nodeName: string;
}

export interface ScaledData {
  readonly replicas: number;
  readonly previousReplicas: number;
}

export interface DeletionRequestedData {
  readonly deletionTimestamp: string;
  readonly gracePeriodSeconds?: number;
  readonly propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
}

export interface ObjectDeletedData {
  readonly propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
}

export type EventVerb = 'Created' | 'Updated' | 'StatusChanged' | 'Bound' | 'Scaled';

export const DELETION_REQUESTED = 'DeletionRequested';
export const OBJECT_DELETED = 'ObjectDeleted';

export function eventType(kind: string, verb: EventVerb): string {
  return `${kind}${verb}`;
}

/** Splits `DeploymentScaled` into kind and verb; deletion events have no kind prefix. */
export function parseEventType(type: string): { kind?: string; verb: EventVerb | 'DeletionRequested' | 'ObjectDeleted' } {
  if (type === DELETION_REQUESTED || type === OBJECT_DELETED) return { verb: type };
  const m = /^([A-Z][A-Za-z]*?)(Created|Updated|StatusChanged|Bound|Scaled)$/.exec(type);
  if (!m) throw new Error(`unknown event type ${type}`);
  return { kind: m[1], verb: m[2] as EventVerb };
}

export const CURRENT_SCHEMA_VERSION = 1;
