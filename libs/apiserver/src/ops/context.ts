import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError, type KubeObject, type ResourceInfo, parseLabelSelector, parseFieldSelector, matchesLabels, toServedVersion } from '@logbook/kube';
import type { Projector } from '@logbook/projections';
import type { EventStore } from '@logbook/eventstore';
import type { ResourcePath } from '../http/request-path';
import type { Caller, ClusterWriter, WriteOptions } from '../write/cluster-writer';
import type { WatchHub } from '../watch/watch-hub';
import type { User } from '../identity/token-file';
import type { NamespaceFinalizer } from '../lifecycle/namespace-finalizer';
import type { ServiceAccountTokens } from '../authn/service-account-tokens';
import type { ClusterAuthorizer } from '../authz/cluster-authorizer';

export interface ApiDeps {
  readonly store: EventStore;
  readonly projector: Projector;
  readonly writer: ClusterWriter;
  readonly hub: WatchHub;
  /** The interim namespace finalizer, when no controller manager runs. */
  readonly namespaces?: NamespaceFinalizer;
  readonly clock: () => Date;
  /** How often a watch that asked for bookmarks gets one. */
  readonly bookmarkIntervalMs: number;
  /** The client certificate that node agents' streaming ports accept (exec, port-forward). */
  readonly nodeClient?: { readonly cert: string; readonly key: string };
  /**
   * Node, then RBAC (docs/security.md): every request is authorized with it before it is routed;
   * impersonation, history filtering and access reviews ask it too.
   */
  readonly authorizer: ClusterAuthorizer;
  /** Issues the TokenRequest API's service-account tokens (absent: the API answers 404). */
  readonly serviceAccountTokens?: ServiceAccountTokens;
}

export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly path: ResourcePath;
  readonly query: URLSearchParams;
  readonly user: User;
  readonly caller: Caller;
  readonly deps: ApiDeps;
  /** Present when the request asked to switch protocols (exec, port-forward): the raw connection. */
  readonly upgrade?: { readonly socket: Duplex; readonly head: Buffer };
}

/**
 * Objects leave the server with apiVersion and kind set, as kubectl expects in lists too, in the
 * version the request's URL named (converted from the stored one when they differ).
 */
export function withTypeMeta(resource: ResourceInfo, obj: KubeObject, version: string = resource.version): KubeObject {
  return toServedVersion(resource, obj, version);
}

export function wantsTable(ctx: RequestContext): boolean {
  return /as=Table/.test(String(ctx.req.headers.accept ?? ''));
}

/** The label and field selectors of a request as one predicate. */
export function selectorPredicate(ctx: RequestContext): (obj: KubeObject) => boolean {
  const labelSel = ctx.query.get('labelSelector');
  const fieldSel = ctx.query.get('fieldSelector');
  const labels = labelSel ? parseLabelSelector(labelSel) : undefined;
  const fields = fieldSel ? parseFieldSelector(fieldSel, ctx.path.resource.kind) : undefined;
  return (obj) => (!labels || matchesLabels(labels, obj.metadata.labels ?? {})) && (!fields || fields.matches(obj));
}

/** The namespace a request is scoped to: the path's, or undefined for all namespaces / cluster scope. */
export function scopeNamespace(ctx: RequestContext): string | undefined {
  return ctx.path.resource.namespaced ? ctx.path.namespace : undefined;
}

/**
 * The write options of a request: `dryRun=All` (kubectl's `--dry-run=server` and `kubectl diff`)
 * runs every check and answers as usual but stores nothing. Any other value is refused, as
 * kube-apiserver refuses it, rather than silently writing.
 */
export function writeOptions(ctx: RequestContext, bodyDryRun?: unknown): WriteOptions {
  // DeleteOptions carry it in the body too (kubectl delete --dry-run=server sends it there).
  const values = [...ctx.query.getAll('dryRun'), ...(Array.isArray(bodyDryRun) ? bodyDryRun.map(String) : bodyDryRun === undefined ? [] : [String(bodyDryRun)])];
  const unsupported = values.find((v) => v !== 'All');
  if (unsupported !== undefined) throw ApiError.badRequest(`unsupported dryRun value "${unsupported}": the only supported value is "All"`);
  return values.length > 0 ? { dryRun: true } : {};
}
