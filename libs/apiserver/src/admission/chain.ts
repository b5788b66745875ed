import type { KubeObject } from '@logbook/kube';
import type { ClusterState } from '@logbook/projections';
import type { AdmissionNotes, AdmissionRequest, MutatingAdmission, ValidatingAdmission } from './admission';

/**
 * kube-apiserver's admission chain: every mutating step in order, each seeing the object the
 * previous one returned, then (once the write has been decided) every validating step on the
 * object that would be stored. A step refuses by throwing an ApiError; the first refusal ends
 * the write and nothing is stored. Steps are synchronous: the writer runs the validating half
 * between reading the state and appending, where nothing may await (write/cluster-writer.ts).
 */
export class AdmissionChain {
  constructor(
    readonly mutating: readonly MutatingAdmission[],
    readonly validating: readonly ValidatingAdmission[],
  ) {}

  /** The object to continue with after every mutating step (the request's own when none changed it). */
  admit(request: AdmissionRequest, state: ClusterState): KubeObject | undefined {
    let object = request.object;
    for (const step of this.mutating) {
      const changed = step.admit(object === request.object ? request : { ...request, object }, state);
      if (changed) object = changed;
    }
    return object;
  }

  /** Every validating step's warnings and audit annotations, in chain order. */
  validate(request: AdmissionRequest, state: ClusterState): AdmissionNotes {
    const warnings: string[] = [];
    const auditAnnotations: Record<string, string> = {};
    for (const step of this.validating) {
      const notes = step.validate(request, state);
      if (!notes) continue;
      if (notes.warnings) warnings.push(...notes.warnings);
      if (notes.auditAnnotations) Object.assign(auditAnnotations, notes.auditAnnotations);
    }
    return { warnings, auditAnnotations };
  }
}

/** A chain with no steps: unit tests of the writer that are about something else. */
export const EMPTY_ADMISSION = new AdmissionChain([], []);
