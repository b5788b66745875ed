/**
 * A plugin's verdict (the scheduler framework's Status). Reasons are what the user reads in the
 * pod's PodScheduled condition, so they use kube-scheduler's wording.
 */
export type StatusCode = 'Success' | 'Unschedulable' | 'UnschedulableAndUnresolvable' | 'Error';

export interface Status {
  readonly code: StatusCode;
  readonly reasons: readonly string[];
}

export const SUCCESS: Status = Object.freeze({ code: 'Success', reasons: Object.freeze([]) as readonly string[] });

export const unschedulable = (...reasons: string[]): Status => ({ code: 'Unschedulable', reasons });
export const unresolvable = (...reasons: string[]): Status => ({ code: 'UnschedulableAndUnresolvable', reasons });
export const error = (...reasons: string[]): Status => ({ code: 'Error', reasons });

export const isSuccess = (s: Status): boolean => s.code === 'Success';
