import type { AuditLevel, AuditStage } from './policy';
import type { RequestInfo } from './request-info';

/** An `audit.k8s.io/v1` Event, field for field as kube-apiserver writes it. */
export interface AuditEvent {
  readonly kind: 'Event';
  readonly apiVersion: 'audit.k8s.io/v1';
  readonly level: AuditLevel;
  readonly auditID: string;
  readonly stage: AuditStage;
  readonly requestURI: string;
  readonly verb: string;
  /** `{}` when authentication failed. */
  readonly user: AuditUser | Record<string, never>;
  readonly impersonatedUser?: AuditUser;
  readonly sourceIPs?: readonly string[];
  readonly userAgent?: string;
  readonly objectRef?: ObjectReference;
  readonly responseStatus?: ResponseStatus;
  readonly requestObject?: unknown;
  readonly responseObject?: unknown;
  readonly requestReceivedTimestamp: string;
  readonly stageTimestamp: string;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface AuditUser {
  readonly username: string;
  readonly uid?: string;
  readonly groups?: readonly string[];
}

export interface ObjectReference {
  readonly resource?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly apiGroup?: string;
  readonly apiVersion?: string;
  readonly subresource?: string;
}

/** The bounded part of the response's Status that kube copies into the event. */
export interface ResponseStatus {
  readonly metadata: Record<string, never>;
  readonly status?: string;
  readonly message?: string;
  readonly reason?: string;
  readonly details?: unknown;
  readonly code: number;
}

export function auditUser(user: { readonly name: string; readonly uid: string; readonly groups: readonly string[] }): AuditUser {
  return { username: user.name, uid: user.uid || undefined, groups: user.groups.length ? user.groups : undefined };
}

/** The request's object as kube names it; a create's name is filled in from its body. Undefined fields are not written. */
export function objectRef(info: RequestInfo): { -readonly [K in keyof ObjectReference]: ObjectReference[K] } | undefined {
  if (!info.resourceRequest) return undefined;
  return {
    resource: info.resource || undefined,
    namespace: info.namespace || undefined,
    name: info.name || undefined,
    apiGroup: info.apiGroup || undefined,
    apiVersion: info.apiVersion || undefined,
    subresource: info.subresource || undefined,
  };
}

/**
 * Requests whose bodies carry credentials are never recorded above Metadata, whatever the
 * policy says: Secret data, the tokens TokenRequest and TokenReview carry, and Logbook's history
 * verbs (their answers can hold any object's past values). docs/security.md "Request audit".
 */
export function levelCap(info: RequestInfo): AuditLevel | undefined {
  if (info.resourceRequest) {
    if (info.resource === 'secrets' && !info.apiGroup) return 'Metadata';
    if (info.resource === 'serviceaccounts' && info.subresource === 'token' && !info.apiGroup) return 'Metadata';
    if (info.resource === 'tokenreviews' && info.apiGroup === 'authentication.k8s.io') return 'Metadata';
    return undefined;
  }
  return info.path.startsWith('/apis/logbook.io/') ? 'Metadata' : undefined;
}

/** kube writes MicroTime: six fractional digits. */
export function microTime(d: Date): string {
  return d.toISOString().slice(0, -1) + '000Z';
}

/** Drops `metadata.managedFields` from an object or from each item of a list (the policy's omitManagedFields). */
export function withoutManagedFields(obj: unknown): unknown {
  if (!obj || typeof obj !== 'object') return obj;
  const o = obj as Record<string, any>;
  let out = o;
  if (o.metadata?.managedFields !== undefined) {
    const { managedFields: _dropped, ...metadata } = o.metadata;
    out = { ...o, metadata };
  }
  if (Array.isArray(o.items)) out = { ...out, items: o.items.map(withoutManagedFields) };
  return out;
}

/** kube's authorization annotations, set on every authorized request whatever the answer. */
export function authorizationAnnotations(decision: { readonly allowed: boolean; readonly reason: string }): Record<string, string> {
  return { 'authorization.k8s.io/decision': decision.allowed ? 'allow' : 'forbid', 'authorization.k8s.io/reason': decision.reason };
}
