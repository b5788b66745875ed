import type { KubeObject, ResourceInfo } from '@logbook/kube';

/** Who issued a write and why; ids and time come from here so deciders stay pure. */
export interface WriteContext {
  readonly actor: string;
  readonly now: string; // RFC 3339
  readonly correlationId: string;
  readonly causationId?: string;
  /** Fresh ids handed to the decider: event ids and, on create, the object's uid. */
  readonly newId: () => string;
  /** The uid of a created object, when it must be one chosen ahead (a Secret's, whose data key is already stored). */
  readonly newUid?: () => string;
}

export type PropagationPolicy = 'Orphan' | 'Background' | 'Foreground';

export type WriteCommand =
  | { readonly type: 'Create'; readonly resource: ResourceInfo; readonly object: KubeObject }
  | { readonly type: 'Update'; readonly resource: ResourceInfo; readonly object: KubeObject }
  | { readonly type: 'UpdateStatus'; readonly resource: ResourceInfo; readonly object: KubeObject }
  /** A CertificateSigningRequest's `/approval`: its Approved/Denied conditions only. */
  | { readonly type: 'UpdateApproval'; readonly resource: ResourceInfo; readonly object: KubeObject }
  | { readonly type: 'Scale'; readonly resource: ResourceInfo; readonly replicas: number; readonly resourceVersion?: string }
  | { readonly type: 'Bind'; readonly resource: ResourceInfo; readonly nodeName: string; readonly resourceVersion?: string }
  /** An eviction of `podName` spends one disruption of this PodDisruptionBudget (write/disruption.ts). */
  | { readonly type: 'SpendDisruption'; readonly resource: ResourceInfo; readonly podName: string }
  | {
      readonly type: 'Delete';
      readonly resource: ResourceInfo;
      readonly gracePeriodSeconds?: number;
      readonly propagationPolicy?: PropagationPolicy;
      readonly preconditions?: { uid?: string; resourceVersion?: string };
      /**
       * Pods only: whether the node the pod is bound to reports Ready=True. A pod on a Ready
       * node is deleted gracefully (its node agent stops its processes first); the writer looks
       * the node up, so the decider stays pure.
       */
      readonly nodeReady?: boolean;
    };
