import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * What the audit of one request hears from the code that serves it: the body read, the body
 * answered, annotations (the authorizer's decision, admission's notes). The HTTP helpers tell it
 * through these functions, so operations need no audit parameter; without an audit they do nothing.
 */
export interface AuditObserver {
  requestBody(body: Buffer): void;
  response(code: number, body: unknown, text: string): void;
  annotate(annotations: Readonly<Record<string, string>>): void;
}

// Kept on the request itself under symbols: a WeakMap entry per request costs the collector more.
const OBSERVER = Symbol('logbook.audit.observer');
const ID = Symbol('logbook.audit.id');

interface Tagged {
  [OBSERVER]?: AuditObserver;
  [ID]?: string;
}

export function observeRequest(req: IncomingMessage, observer: AuditObserver): void {
  (req as Tagged)[OBSERVER] = observer;
}

export function noteRequestBody(req: IncomingMessage, body: Buffer): void {
  (req as Tagged)[OBSERVER]?.requestBody(body);
}

export function noteResponse(res: ServerResponse, code: number, body: unknown, text: string): void {
  if (res.req) (res.req as Tagged)[OBSERVER]?.response(code, body, text);
}

/** Adds annotations to the request's audit event (`authorization.k8s.io/decision`, `pod-security.kubernetes.io/…`). */
export function addAuditAnnotations(req: IncomingMessage, annotations: Readonly<Record<string, string>> | undefined): void {
  if (annotations) (req as Tagged)[OBSERVER]?.annotate(annotations);
}

/**
 * The request's ID: the client's `X-Request-Id` or `Audit-ID` header, else a new UUID. It is the
 * audit event's auditID and the correlationId of the events the request appends, so an audit
 * line and `logbook history` point at each other.
 */
export function requestId(req: IncomingMessage): string {
  return ((req as Tagged)[ID] ??= header(req, 'x-request-id') ?? header(req, 'audit-id') ?? randomUUID());
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return (Array.isArray(v) ? v[0] : v) || undefined;
}
