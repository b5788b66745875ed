import type { KubeObject } from '@logbook/kube';

/** Why a component writes: the event it reacted to and the request that started the chain. */
export interface Cause {
  /** Id of the event the write reacts to (DESIGN §2 causationId). */
  readonly causationId?: string;
  /** The original request's correlation id, carried along the whole chain. */
  readonly correlationId?: string;
}

export interface DeleteOptions extends Cause {
  readonly propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
  readonly gracePeriodSeconds?: number;
}

/** `dryRun`: every check and admission step runs and the answer is the object as it would be stored, but nothing is stored. */
export interface ClientWriteOptions {
  readonly dryRun?: boolean;
}

/** A narrow list: one namespace and, for pods, one node (the node agent's own pods). */
export interface ClientListOptions {
  readonly namespace?: string;
  /** Pods only: `spec.nodeName` field selector. */
  readonly nodeName?: string;
}

/** What a TokenRequest asks for (authentication.k8s.io/v1 `spec`): kube's defaults apply to what is left out. */
export interface TokenRequestSpec {
  readonly audiences?: readonly string[];
  readonly expirationSeconds?: number;
  /** The object the token is bound to: it stops validating once that object is gone. */
  readonly boundObjectRef?: { readonly kind: 'Pod' | 'Secret'; readonly apiVersion?: string; readonly name: string; readonly uid?: string };
}

/** A TokenRequest's answer (`status`). */
export interface IssuedToken {
  readonly token: string;
  /** RFC 3339. */
  readonly expirationTimestamp: string;
}

/**
 * How components write (DESIGN §4): through the API server, so validation, defaulting and audit
 * have one path. In `logbook up` it is an in-process call; distributed, it is HTTPS. Every write
 * carries its cause. Failures are ClientErrors with the API's status code.
 */
export interface ClusterClient {
  create(obj: KubeObject, cause: Cause, options?: ClientWriteOptions): Promise<KubeObject>;
  /** PUT: `obj.metadata.resourceVersion` is a precondition (409 when stale). */
  update(obj: KubeObject, cause: Cause, options?: ClientWriteOptions): Promise<KubeObject>;
  updateStatus(obj: KubeObject, cause: Cause): Promise<KubeObject>;
  /** A CertificateSigningRequest's `/approval` subresource: its Approved/Denied conditions. */
  updateApproval?(obj: KubeObject, cause: Cause): Promise<KubeObject>;
  delete(kind: string, namespace: string | undefined, name: string, options: DeleteOptions): Promise<void>;
  /** pods/<name>/binding with the pod's resourceVersion as precondition. */
  bind(namespace: string, name: string, nodeName: string, resourceVersion: string, cause: Cause): Promise<void>;
  /** Every object of the given kinds and the log position they are consistent at. */
  listAll(kinds: readonly string[]): Promise<{ items: KubeObject[]; position: number }>;
  /**
   * One object read through the API (e.g. a ConfigMap a pod's env refers to); undefined when
   * absent. (getObject/listObjects rather than get/list: test fakes use those names synchronously.)
   */
  getObject?(kind: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined>;
  /** A narrow list through the API (a node's own pods, one namespace's Services). */
  listObjects?(kind: string, options?: ClientListOptions): Promise<{ items: KubeObject[]; position: number }>;
  /** `<kind>/<name>/scale`: the autoscaling/v1 Scale of a Deployment or ReplicaSet. */
  getScale?(kind: string, namespace: string, name: string): Promise<KubeObject>;
  /** Writes a Scale's `spec.replicas`; its `metadata.resourceVersion`, when set, is a precondition (409 when stale). */
  updateScale?(kind: string, scale: KubeObject, cause: Cause): Promise<KubeObject>;
  /**
   * metrics.k8s.io/v1beta1 PodMetrics of one namespace's pods matching a label selector (what
   * `kubectl top pod` reads); pods whose node reports no usage are missing from the answer.
   */
  podMetrics?(namespace: string, labelSelector?: string): Promise<KubeObject[]>;
  /**
   * `serviceaccounts/<name>/token` (TokenRequest): a signed token for a service account, as the
   * node agent asks for its pods' projected token volumes.
   */
  requestToken?(namespace: string, serviceAccount: string, spec: TokenRequestSpec, cause: Cause): Promise<IssuedToken>;
}

export class ClientError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'ClientError';
  }

  get isConflict(): boolean {
    return this.code === 409;
  }

  get isNotFound(): boolean {
    return this.code === 404;
  }
}
