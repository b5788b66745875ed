import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { type ApiError, decodeKubeProtobuf } from '@logbook/kube';
import type { User } from '../identity/token-file';
import { type AuditEvent, type ResponseStatus, auditUser, levelCap, microTime, objectRef, withoutManagedFields } from './audit-event';
import { AuditFile, type AuditFileOptions, type AuditSink } from './audit-file';
import { type AuditObserver, observeRequest, requestId } from './capture';
import { type AuditDecision, type AuditLevel, type AuditPolicy, type AuditStage, evaluateAuditPolicy, levelAtLeast, parseAuditPolicy } from './policy';
import { isLongRunning, requestInfo, type RequestInfo } from './request-info';

export interface RequestAuditOptions extends AuditFileOptions {
  /** An `audit.k8s.io/v1` Policy (YAML or JSON), kube's --audit-policy-file. */
  readonly policyFile: string;
  /** The JSON-lines file (kube's --audit-log-path); `-` is standard output. */
  readonly logPath: string;
}

/** Who served requests without authentication (the health paths), as kube names them. */
const ANONYMOUS: User = { name: 'system:anonymous', uid: '', groups: ['system:unauthenticated'] };

/**
 * The request audit: an `audit.k8s.io/v1` policy decides per request how much to record, and
 * every request — refused ones too — becomes Event lines in the audit file. docs/security.md.
 */
export class RequestAuditor {
  constructor(
    private readonly policy: AuditPolicy,
    private readonly sink: AuditSink,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  static open(options: RequestAuditOptions): RequestAuditor {
    const policy = parseAuditPolicy(readFileSync(options.policyFile, 'utf8'));
    return new RequestAuditor(policy, new AuditFile(options.logPath, options));
  }

  /** Starts the audit of an HTTP request (before authentication). */
  begin(req: IncomingMessage, res: ServerResponse, url: URL): AuditedRequest {
    const audited = new AuditedRequest(this, req, res, requestInfo(req.method ?? 'GET', url), this.clock());
    observeRequest(req, audited);
    res.setHeader('Audit-Id', audited.id);
    return audited;
  }

  /**
   * A write of an embedded component through the in-process client: no HTTP request, so one
   * ResponseComplete event at most at Metadata, under the component's user (docs/security.md).
   */
  recordInProcessWrite(user: User, method: string, path: string, status: { code: number; reason?: string; message?: string }, started: Date, createdName?: string): void {
    const info = requestInfo(method, new URL(path, 'https://in-process'));
    const decision = this.decide(info, user);
    if (decision.level === 'None' || decision.omitStages.includes('ResponseComplete')) return;
    this.emit({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: levelAtLeast(decision.level, 'Metadata') ? 'Metadata' : decision.level,
      auditID: randomUUID(),
      stage: 'ResponseComplete',
      requestURI: path,
      verb: info.verb,
      user: auditUser(user),
      userAgent: 'logbook/in-process',
      ...optional('objectRef', objectRef(createdName ? { ...info, name: createdName } : info)),
      responseStatus: status.code >= 400 ? { metadata: {}, status: 'Failure', ...optional('message', status.message), ...optional('reason', status.reason), code: status.code } : { metadata: {}, code: status.code },
      requestReceivedTimestamp: microTime(started),
      stageTimestamp: microTime(this.clock()),
      annotations: { 'logbook.io/transport': 'in-process' },
    });
  }

  close(): Promise<void> {
    return this.sink.close();
  }

  /** @internal */
  decide(info: RequestInfo, user: User | undefined): AuditDecision {
    const decision = evaluateAuditPolicy(this.policy, { ...info, user: user && { name: user.name, groups: user.groups } });
    const cap = levelCap(info);
    return cap && levelAtLeast(decision.level, cap) && decision.level !== cap ? { ...decision, level: cap } : decision;
  }

  /** @internal */
  emit(event: AuditEvent): void {
    this.sink.write(JSON.stringify(event));
  }

  /** @internal */
  now(): Date {
    return this.clock();
  }
}

/** One HTTP request's audit, from its arrival to the end of its response. */
export class AuditedRequest implements AuditObserver {
  readonly id: string;
  private decision: AuditDecision | undefined;
  private user: User | undefined;
  private impersonatedUser: User | undefined;
  private authenticationFailed = false;
  private annotations: Record<string, string> | undefined;
  private body: Buffer | undefined;
  private answered: { code: number; body: unknown; text: string } | undefined;
  private apiError: ApiError | undefined;
  private ended = false;
  private decoded: { value: unknown } | undefined;
  private receivedText: string | undefined;

  constructor(
    private readonly auditor: RequestAuditor,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly info: RequestInfo,
    private readonly received: Date,
  ) {
    this.id = requestId(req);
  }

  /** The caller is known (anonymous for the public health paths): the policy decides the level now. */
  authenticated(user: User | undefined = ANONYMOUS): void {
    this.user = user;
    this.decision = this.auditor.decide(this.info, user);
    this.stage('RequestReceived');
  }

  /** Authentication failed: kube records it with an empty user, in one ResponseStarted event. */
  unauthenticated(): void {
    this.authenticationFailed = true;
    this.decision = this.auditor.decide(this.info, undefined);
  }

  /** `--as`: the event keeps the authenticated user (the policy matched on it) and names the impersonated one too. */
  impersonating(user: User): void {
    if (user !== this.user) this.impersonatedUser = user;
  }

  failed(err: ApiError): void {
    this.apiError = err;
  }

  annotate(annotations: Readonly<Record<string, string>>): void {
    if (this.recording()) this.annotations = { ...this.annotations, ...annotations };
  }

  requestBody(body: Buffer): void {
    // Metadata still needs a create's name from its body (kube's objectRef.name).
    if (this.recording() && (levelAtLeast(this.decision!.level, 'Request') || (this.info.verb === 'create' && !this.info.name))) this.body = body;
  }

  response(code: number, body: unknown, text: string): void {
    if (this.recording() && (code >= 400 || this.decision!.level === 'RequestResponse')) this.answered = { code, body, text };
  }

  /** The handler returned: the event is written now, or when a streaming response (watch, logs) ends. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (!this.decision) this.unauthenticated();
    if (!this.recording()) return;
    if (this.authenticationFailed) return this.stage('ResponseStarted');
    if (isLongRunning(this.info) && (this.res.headersSent || this.res.statusCode === 101)) this.stage('ResponseStarted');
    const streaming = this.res.headersSent && !this.res.writableEnded && !this.res.destroyed && this.res.statusCode !== 101;
    if (!streaming) return this.stage('ResponseComplete');
    this.res.once('close', () => this.stage('ResponseComplete'));
  }

  private recording(): boolean {
    return this.decision !== undefined && this.decision.level !== 'None';
  }

  private stage(stage: AuditStage): void {
    const decision = this.decision!;
    if (decision.level === 'None' || decision.omitStages.includes(stage)) return;
    const level = decision.level;
    const final = stage !== 'RequestReceived';
    const ref = objectRef(this.info);
    if (final && this.body && !this.decoded) this.decoded = { value: decodeBody(this.body, String(this.req.headers['content-type'] ?? '')) };
    const requestObject = final ? this.decoded?.value : undefined;
    if (ref && requestObject && typeof requestObject === 'object' && !ref.name && this.info.verb === 'create') {
      const meta = (requestObject as { metadata?: { name?: string; namespace?: string } }).metadata;
      if (meta?.name) ref.name = meta.name;
      if (meta?.namespace && !ref.namespace) ref.namespace = meta.namespace;
    }
    const trim = decision.omitManagedFields ? withoutManagedFields : (o: unknown) => o;
    // Fields left undefined are dropped by JSON.stringify: no spread objects on the request path.
    this.auditor.emit({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level,
      auditID: this.id,
      stage,
      requestURI: this.req.url ?? '/',
      verb: this.info.verb,
      user: this.authenticationFailed || !this.user ? {} : auditUser(this.user),
      impersonatedUser: this.impersonatedUser && auditUser(this.impersonatedUser),
      sourceIPs: sourceIPs(this.req),
      userAgent: this.req.headers['user-agent'] || undefined,
      objectRef: ref,
      responseStatus: final ? this.status() : undefined,
      requestObject: levelAtLeast(level, 'Request') && requestObject !== undefined ? trim(requestObject) : undefined,
      responseObject: level === 'RequestResponse' && stage === 'ResponseComplete' && this.answered ? trim(parseText(this.answered.text)) : undefined,
      requestReceivedTimestamp: (this.receivedText ??= microTime(this.received)),
      stageTimestamp: microTime(this.auditor.now()),
      annotations: this.annotations,
    });
  }

  private status(): ResponseStatus {
    const code = this.res.statusCode;
    if (this.apiError) return responseStatus(this.apiError.code, this.apiError);
    const body = this.answered?.body as Partial<ResponseStatus> & { kind?: string } | undefined;
    if (code >= 400 && body?.kind === 'Status') return { metadata: {}, ...bounded(body), code };
    return { metadata: {}, code };
  }
}

function responseStatus(code: number, apiError?: ApiError): ResponseStatus {
  if (!apiError) return { metadata: {}, code };
  return { metadata: {}, ...bounded(apiError.toStatus() as Partial<ResponseStatus>), code: apiError.code };
}

function bounded(s: Partial<ResponseStatus>): Partial<ResponseStatus> {
  return { ...optional('status', s.status), ...optional('message', s.message), ...optional('reason', s.reason), ...optional('details', s.details) };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined || value === '' ? {} : { [key]: value }) as { [P in K]?: V };
}

/** kube: X-Forwarded-For, then X-Real-Ip, then the peer address. */
function sourceIPs(req: IncomingMessage): string[] {
  const peer = req.socket?.remoteAddress?.replace(/^::ffff:/, '');
  if (req.headers['x-forwarded-for'] === undefined && req.headers['x-real-ip'] === undefined) return peer ? [peer] : [];
  const ips: string[] = [];
  const forwarded = req.headers['x-forwarded-for'];
  if (typeof forwarded === 'string') ips.push(...forwarded.split(',').map((s) => s.trim()).filter(Boolean));
  const real = req.headers['x-real-ip'];
  if (typeof real === 'string' && real) ips.push(real.trim());
  if (peer) ips.push(peer);
  return [...new Set(ips)];
}

function decodeBody(body: Buffer, contentType: string): unknown {
  if (body.length === 0) return undefined;
  const type = contentType.split(';')[0].trim().toLowerCase();
  try {
    if (type === 'application/vnd.kubernetes.protobuf') return decodeKubeProtobuf(body);
    if (type.endsWith('yaml')) return parseYaml(body.toString('utf8'));
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function parseText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export type { AuditLevel };
