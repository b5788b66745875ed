import type { KubeObject, ResourceInfo } from '@logbook/kube';
import type { ClusterState } from '@logbook/projections';
import type { User } from '../identity/token-file';

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/**
 * One write as admission sees it (kube's admission.Attributes). Status and `/approval` writes
 * are UPDATEs of that subresource, a scale an UPDATE of `scale`, a binding a CREATE of
 * `pods/binding`, a patch an UPDATE with the patched object (admission/request.ts).
 */
export interface AdmissionRequest {
  readonly operation: AdmissionOperation;
  readonly resource: ResourceInfo;
  readonly subresource?: string;
  readonly namespace?: string;
  /** Empty for a CREATE with only `generateName`, until the GenerateName step (mutating steps before it see it so). */
  readonly name: string;
  /**
   * The object to be stored (CREATE, UPDATE): mutating steps get the request's object and return
   * a changed copy; validating steps get the object as the write would store it (defaulted,
   * after the decider), also for scale and binding writes, which carry no object of their own.
   */
  readonly object?: KubeObject;
  /** What is stored now (UPDATE, DELETE). */
  readonly oldObject?: KubeObject;
  readonly user: User;
  readonly dryRun: boolean;
}

/** What admission adds to a response and to the request's audit event. */
export interface AdmissionNotes {
  /** Sent as `Warning: 299 - "<text>"` headers (kubectl prints them as `Warning: <text>`). */
  readonly warnings?: readonly string[];
  readonly auditAnnotations?: Readonly<Record<string, string>>;
}

/** A mutating step: returns the object to continue with (or undefined to leave it). Throws ApiError to refuse. */
export interface MutatingAdmission {
  readonly name: string;
  admit(request: AdmissionRequest, state: ClusterState): KubeObject | undefined;
}

/** A validating step: throws ApiError (403/422) to refuse; may return warnings. Runs after every mutating step. */
export interface ValidatingAdmission {
  readonly name: string;
  validate(request: AdmissionRequest, state: ClusterState): AdmissionNotes | void;
}
