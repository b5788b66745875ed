import { type KubeObject, apiVersionOf, resourceByKind } from '@logbook/kube';
import type { Cause } from '../cluster-client.port';

/** core/v1 Event types. */
export type EventType = 'Normal' | 'Warning';

/** core/v1 ObjectReference: what an Event is about (`involvedObject`). */
export interface ObjectReference {
  readonly kind: string;
  readonly apiVersion?: string;
  readonly namespace?: string;
  readonly name: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
  /** A part of the object, e.g. `spec.containers{web}` for a container's events. */
  readonly fieldPath?: string;
}

/**
 * How a component records Kubernetes Events (client-go's record.EventRecorder). Fire and forget:
 * `event` returns at once, never throws and never waits for the API; the Event is written
 * later (aggregated with its repeats, or dropped when the recorder's queue is full).
 */
export interface EventRecorder {
  event(about: KubeObject | ObjectReference, type: EventType, reason: string, message: string, cause: Cause): void;
}

/** A recorder that records nothing (components built without one). */
export const NO_EVENTS: EventRecorder = { event: () => undefined };

/** The reference an Event carries for `obj` (client-go's reference.GetReference), optionally to one of its fields. */
export function referenceTo(obj: KubeObject, fieldPath?: string): ObjectReference {
  return {
    kind: obj.kind,
    apiVersion: obj.apiVersion ?? apiVersionFor(obj.kind),
    ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
    name: obj.metadata.name!,
    ...(obj.metadata.uid ? { uid: obj.metadata.uid } : {}),
    ...(obj.metadata.resourceVersion ? { resourceVersion: obj.metadata.resourceVersion } : {}),
    ...(fieldPath ? { fieldPath } : {}),
  };
}

/** A container of a pod, as the kubelet refers to it in its Events. */
export function containerReference(pod: KubeObject, container: string, init = false): ObjectReference {
  return referenceTo(pod, `spec.${init ? 'initContainers' : 'containers'}{${container}}`);
}

/**
 * A Node as kubelets refer to it: `kubectl describe node` looks its Events up by
 * `involvedObject.uid=<node name>` (the kubelet's node reference carries the name as uid).
 */
export function nodeReference(nodeName: string): ObjectReference {
  return { kind: 'Node', apiVersion: 'v1', name: nodeName, uid: nodeName };
}

export function isReference(about: KubeObject | ObjectReference): about is ObjectReference {
  return !('metadata' in about);
}

function apiVersionFor(kind: string): string | undefined {
  const r = resourceByKind(kind);
  return r ? apiVersionOf(r) : undefined;
}
