import type { EventStore, EventFilter } from '@logbook/eventstore';
import type { StoredEvent } from '@logbook/events';
import { ApiError, resolveResource } from '@logbook/kube';
import { type Verb, isVerb, objectOfStream, typesOfVerb, verbOf, VERBS } from './verbs';

/** One write as the audit shows it: who did what to which object, when, and in reaction to what. */
export interface AuditEntry {
  readonly position: number;
  readonly time: string;
  readonly actor: string;
  readonly verb: string;
  readonly type: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly id: string;
  readonly causationId?: string;
  readonly correlationId?: string;
  /** A short summary of the change: fields touched, node bound to, replicas scaled to. */
  readonly detail?: string;
}

export interface AuditFilter {
  readonly user?: string;
  readonly kind?: string; // resolved kind, e.g. Deployment
  readonly namespace?: string;
  readonly verb?: Verb;
  readonly name?: string;
}

/** Validates the filter query parameters shared by audit and tail; unknown kinds and verbs are 400s. */
export function parseAuditFilter(query: URLSearchParams): AuditFilter {
  const kindParam = query.get('kind') || undefined;
  const verbParam = query.get('verb') || undefined;
  const resource = kindParam ? resolveResource(kindParam) : undefined;
  if (kindParam && !resource) throw ApiError.badRequest(`unknown kind "${kindParam}": use a kind, plural or short name such as deployment, pods or svc`);
  if (verbParam && !isVerb(verbParam)) throw ApiError.badRequest(`unknown verb "${verbParam}": use one of ${VERBS.join(', ')}`);
  return {
    ...(query.get('user') ? { user: query.get('user')! } : {}),
    ...(resource ? { kind: resource.kind } : {}),
    ...(query.get('namespace') ? { namespace: query.get('namespace')! } : {}),
    ...(verbParam ? { verb: verbParam as Verb } : {}),
    ...(query.get('name') ? { name: query.get('name')! } : {}),
  };
}

export function toAuditEntry(e: StoredEvent): AuditEntry {
  const { kind, namespace, name } = objectOfStream(e.stream);
  const { time, actor, causationId, correlationId } = e.metadata;
  const detail = detailOf(e);
  return {
    position: e.position,
    time,
    actor,
    verb: verbOf(e.type) ?? 'unknown',
    type: e.type,
    kind,
    ...(namespace ? { namespace } : {}),
    name,
    id: e.id,
    ...(causationId ? { causationId } : {}),
    ...(correlationId ? { correlationId } : {}),
    ...(detail ? { detail } : {}),
  };
}

/** Whether an event passes the filter (what the store could not filter itself). */
export function matchesAudit(e: StoredEvent, f: AuditFilter): boolean {
  if (f.user !== undefined && e.metadata.actor !== f.user) return false;
  const obj = objectOfStream(e.stream);
  if (f.kind !== undefined && obj.kind !== f.kind) return false;
  if (f.namespace !== undefined && obj.namespace !== f.namespace) return false;
  if (f.name !== undefined && obj.name !== f.name) return false;
  if (f.verb !== undefined && !typesOfVerb(f.verb, f.kind).includes(e.type)) return false;
  return true;
}

export interface AuditPage {
  readonly items: AuditEntry[];
  /** Pass as `before` for the next (older) page; absent on the last page. */
  readonly next?: number;
}

/**
 * Writes matching the filter, newest first, between `after` (exclusive) and `before`
 * (exclusive). The store filters by actor, stream prefix and types with its indexes; a
 * namespace without a kind (no stream prefix can express it) is filtered here, page by page.
 */
export async function auditPage(store: EventStore, f: AuditFilter, range: { after: number; before: number }, limit: number): Promise<AuditPage> {
  const base: EventFilter = {
    after: range.after,
    ...(f.user !== undefined ? { actor: f.user } : {}),
    ...(f.kind !== undefined ? { streamPrefix: f.namespace !== undefined ? `${f.kind}/${f.namespace}/${f.name ?? ''}` : `${f.kind}/` } : {}),
    ...(f.verb !== undefined ? { types: typesOfVerb(f.verb, f.kind) } : {}),
  };
  const found: StoredEvent[] = [];
  let before = range.before;
  const batch = Math.max(limit + 1, 500);
  for (;;) {
    const page = await store.readBackward({ ...base, before, limit: batch });
    for (const e of page) if (matchesAudit(e, f) && found.length <= limit) found.push(e);
    if (found.length > limit || page.length < batch) break;
    before = page[page.length - 1].position;
  }
  const items = found.slice(0, limit).map(toAuditEntry);
  return { items, ...(found.length > limit ? { next: items[items.length - 1].position } : {}) };
}

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

function detailOf(e: StoredEvent): string | undefined {
  const data = e.data as any;
  if (e.type === 'PodBound') return `node ${data?.nodeName}`;
  if (e.type.endsWith('Scaled')) return `replicas ${data?.previousReplicas} → ${data?.replicas}`;
  if (e.type === 'DeletionRequested') return data?.propagationPolicy ? `propagation ${data.propagationPolicy}` : 'deletion requested';
  if (Array.isArray(data?.patch)) {
    const paths = [...new Set((data.patch as { path: string }[]).map((op) => fieldOf(op.path)).filter((p) => p !== 'metadata.resourceVersion'))];
    const shown = paths.slice(0, 4).join(', ');
    return paths.length > 4 ? `${shown}, … (${paths.length} fields)` : shown || undefined;
  }
  if (e.type.endsWith('Created')) return data?.object?.metadata?.uid ? `uid ${show(data.object.metadata.uid)}` : undefined;
  return undefined;
}

function fieldOf(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}
