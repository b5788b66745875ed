import type { KubeObject } from '@logbook/kube';
import type { Cause } from '../cluster-client.port';
import { type EventRecorder, type EventType, type ObjectReference, isReference, referenceTo } from './event-recorder';

export interface RecordedEvent {
  readonly involvedObject: ObjectReference;
  readonly type: EventType;
  readonly reason: string;
  readonly message: string;
  readonly cause: Cause;
}

/** A recorder for unit tests (client-go's FakeRecorder): keeps every occurrence, writes nothing. */
export class RecordedEvents implements EventRecorder {
  readonly events: RecordedEvent[] = [];

  event(about: KubeObject | ObjectReference, type: EventType, reason: string, message: string, cause: Cause): void {
    this.events.push({ involvedObject: isReference(about) ? about : referenceTo(about), type, reason, message, cause });
  }

  /** `Type Reason Message` lines, as `kubectl describe` lists them. */
  lines(): string[] {
    return this.events.map((e) => `${e.type} ${e.reason} ${e.message}`);
  }

  reasons(): string[] {
    return this.events.map((e) => e.reason);
  }
}
