import { serveResourceMetrics } from './ops/resource-metrics';
import { OPENAPI_V2_CONTENT_TYPE, openApiV2Document } from './http/openapi-v2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '@logbook/kube';
import type { Logger } from 'pino';
import { parseResourcePath, type ResourcePath } from './http/request-path';
import { sendError, sendJson } from './http/respond';
import { apiGroupList, apiResourceList, apiVersions, VERSION_INFO } from './http/discovery';
import type { User } from './identity/token-file';
import type { RequestAuthenticator } from './authn/authenticator';
import { impersonate } from './authn/impersonation';
import type { ApiDeps, RequestContext } from './ops/context';
import { getObject, listObjects } from './ops/read';
import { watchObjects } from './ops/watch';
import { createObject, replaceObject } from './ops/write';
import { patchObject } from './ops/patch';
import { deleteCollection, deleteObject } from './ops/delete';
import { getScale, replaceScale } from './ops/scale';
import { bindPod } from './ops/binding';
import { serveHistory } from './ops/history';
import { serveRotate, serveShred } from './secrets/secret-ops';
import { serveAudit } from './ops/audit';
import { serveHash } from './ops/time-travel';
import { serveDiff } from './ops/diff';
import { serveExplain } from './ops/explain';
import { serveTail } from './ops/tail';
import { podLog } from './ops/pod-log';
import { evictPod } from './ops/eviction';
import { serveAccessReview } from './ops/access-review';
import { serveSelfSubjectReview } from './ops/self-subject-review';
import { requestToken } from './ops/token-request';
import { authorizeOrThrow } from './authz/forbidden';
import { requestAttributes } from './authz/request-attributes';
import { podStream } from './ops/pod-stream';
import type { ApiMetrics } from './metrics/api-metrics';
import { requestLabels } from './metrics/request-labels';
import { addAuditAnnotations, requestId } from './audit-log/capture';
import { authorizationAnnotations } from './audit-log/audit-event';
import type { RequestAuditor } from './audit-log/request-auditor';

const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version']);

/**
 * The Kubernetes REST dialect: authenticates, routes by URL grammar and verb, and renders every
 * failure as a Status. One function per operation lives in ops/.
 */
export class KubeApiHandler {
  constructor(
    private readonly deps: ApiDeps,
    private readonly auth: RequestAuthenticator,
    private readonly log: Logger,
    private readonly isReady: () => boolean,
    private readonly metrics?: ApiMetrics,
    private readonly audit?: RequestAuditor,
  ) {}

  /** What issues TokenRequest tokens (the in-process clients of `logbook up` ask it too). */
  get serviceAccountTokens(): ApiDeps['serviceAccountTokens'] {
    return this.deps.serviceAccountTokens;
  }

  /** `upgrade`: the request asked to switch protocols (exec, port-forward); its raw connection. */
  async handle(req: IncomingMessage, res: ServerResponse, upgrade?: RequestContext['upgrade']): Promise<void> {
    const started = process.hrtime.bigint();
    const url = new URL(req.url ?? '/', 'https://localhost');
    let user: User | undefined;
    // Every request is audited, refused ones too (docs/security.md "Request audit").
    const audit = this.audit?.begin(req, res, url);
    try {
      if (PUBLIC_PATHS.has(url.pathname)) {
        audit?.authenticated();
        return this.servePublic(url.pathname, req, res);
      }
      user = this.auth.authenticate(req);
      if (!user) {
        audit?.unauthenticated();
        throw ApiError.unauthorized();
      }
      audit?.authenticated(user);
      // kubectl --as: the rest of the request runs as the impersonated user (docs/security.md "Identities").
      user = impersonate(req, user, this.deps.authorizer);
      audit?.impersonating(user);
      await this.route(req, res, url, user, upgrade);
    } catch (err) {
      const apiError = sendError(res, err);
      audit?.failed(apiError);
      if (apiError.code >= 500) this.log.error({ err, method: req.method, path: url.pathname }, 'request failed');
    } finally {
      audit?.end();
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      this.metrics?.observeRequest(requestLabels(req.method ?? 'GET', url), res.statusCode, ms / 1000);
      this.log.debug({ method: req.method, path: url.pathname, query: url.search, user: user?.name, code: res.statusCode, ms }, 'request');
    }
  }

  private servePublic(pathname: string, _req: IncomingMessage, res: ServerResponse): void {
    if (pathname === '/version') return sendJson(res, 200, VERSION_INFO);
    const ready = pathname !== '/readyz' || this.isReady();
    res.writeHead(ready ? 200 : 503, { 'Content-Type': 'text/plain' });
    res.end(ready ? 'ok' : 'not ready: the projection is still catching up with the log');
  }

  private async route(req: IncomingMessage, res: ServerResponse, url: URL, user: User, upgrade?: RequestContext['upgrade']): Promise<void> {
    // Authorized from the URL alone, before anything is read or routed (kube's WithAuthorization).
    authorizeOrThrow(this.deps.authorizer, requestAttributes(user, req.method ?? 'GET', url.pathname, url.searchParams), (d) => addAuditAnnotations(req, authorizationAnnotations(d)));
    const p = url.pathname.replace(/\/+$/, '') || '/';
    if (req.method === 'GET') {
      if (p === '/api') return sendJson(res, 200, apiVersions(req.headers.host ?? '127.0.0.1'));
      if (p === '/apis') return sendJson(res, 200, apiGroupList());
      // Like Kubernetes: /metrics needs a bearer token, the health paths do not.
      if (p === '/metrics' && this.metrics) return this.metrics.serve(res);
      if (p === '/api/v1') return sendJson(res, 200, apiResourceList(''));
      if (p.startsWith('/apis/metrics.k8s.io/') && (await serveResourceMetrics(this.deps, p, url.searchParams, res))) return;
      const group = /^\/apis\/([^/]+)\/([^/]+)$/.exec(p);
      if (group) {
        const list = apiResourceList(group[1], group[2]);
        if (!list) throw ApiError.notFoundPath();
        return sendJson(res, 200, list);
      }
      if (p === '/apis/logbook.io/v1/history') return serveHistory(this.deps, user, url.searchParams, res);
      if (p === '/apis/logbook.io/v1/hash') return serveHash(this.deps, url.searchParams, res);
      if (p === '/apis/logbook.io/v1/audit') return serveAudit(this.deps, url.searchParams, res);
      if (p === '/apis/logbook.io/v1/diff') return serveDiff(this.deps, user, url.searchParams, res);
      if (p === '/apis/logbook.io/v1/explain') return serveExplain(this.deps, url.searchParams, res);
      if (p === '/apis/logbook.io/v1/tail') return serveTail(this.deps, url.searchParams, req, res);
      if (p === '/openapi/v2') {
        // No schemas, so kubectl validates and patches with its own types (KUBECTL.md §1); paths declare dryRun.
        const doc = openApiV2Document();
        res.writeHead(200, { 'Content-Type': OPENAPI_V2_CONTENT_TYPE, 'Content-Length': doc.length });
        return void res.end(doc);
      }
    }
    if (req.method === 'POST' && p === '/apis/logbook.io/v1/shred') return serveShred(this.deps, user, req, url.searchParams, res);
    if (req.method === 'POST' && p === '/apis/logbook.io/v1/secrets/rotate') return serveRotate(this.deps, user, res);
    if (p.startsWith('/apis/authentication.k8s.io/v1/')) return serveSelfSubjectReview(user, req, res, p);
    if (p.startsWith('/apis/authorization.k8s.io/v1/')) return serveAccessReview(this.deps, user, req, res, p);
    const path = parseResourcePath(p);
    if (!path) throw ApiError.notFoundPath();
    const ctx: RequestContext = {
      req,
      res,
      path,
      query: url.searchParams,
      user,
      caller: {
        actor: user.name,
        user,
        correlationId: requestId(req),
        causationId: headerValue(req, 'x-logbook-causation-id'),
      },
      deps: this.deps,
      ...(upgrade ? { upgrade } : {}),
    };
    await this.dispatch(ctx, req.method ?? 'GET', path);
  }

  private async dispatch(ctx: RequestContext, method: string, path: ResourcePath): Promise<void> {
    const { name, subresource } = path;
    const notAllowed = () => {
      throw ApiError.methodNotAllowed(`the server does not allow this method on the requested resource: ${method} ${path.resource.plural}${subresource ? '/' + subresource : ''}`);
    };
    if (name === undefined) {
      switch (method) {
        case 'GET':
          return ['true', '1'].includes(ctx.query.get('watch') ?? '') ? watchObjects(ctx) : listObjects(ctx);
        case 'POST':
          return createObject(ctx);
        case 'DELETE':
          return deleteCollection(ctx);
        default:
          return notAllowed();
      }
    }
    if (subresource === 'scale') {
      if (method === 'GET') return getScale(ctx);
      if (method === 'PUT') return replaceScale(ctx);
      if (method === 'PATCH') return patchObject(ctx);
      return notAllowed();
    }
    if (subresource === 'token') return method === 'POST' && path.resource.kind === 'ServiceAccount' ? requestToken(ctx) : notAllowed();
    if (subresource === 'binding') return method === 'POST' ? bindPod(ctx) : notAllowed();
    if (subresource === 'eviction') return method === 'POST' ? evictPod(ctx) : notAllowed();
    if (subresource === 'log') return method === 'GET' && path.resource.kind === 'Pod' ? podLog(ctx) : notAllowed();
    if (subresource === 'exec' || subresource === 'attach' || subresource === 'portforward') return method === 'GET' || method === 'POST' ? podStream(ctx, subresource) : notAllowed();
    switch (method) {
      case 'GET':
        return getObject(ctx);
      case 'PUT':
        return replaceObject(ctx);
      case 'PATCH':
        return patchObject(ctx);
      case 'DELETE':
        return subresource ? notAllowed() : deleteObject(ctx);
      default:
        return notAllowed();
    }
  }
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
